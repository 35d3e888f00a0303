/// The normalized form of each owner, written from typed values and from events, and the
/// columns of its flat table.
extension SwiftEmitter {
    static func emitNormalized(_ owner: OwnerDeclaration, _ out: inout Output) {
        let isItem = owner.caseName == "item"
        let others = isItem ? "otherFields" : "otherProperties"
        out.line("extension \(owner.typeName) {")
        out.line("    /// Writes the declared fields in their normalized form, in declaration order, then the other \(isItem ? "fields" : "properties").")
        out.line("    func writeNormalizedMembers(to writer: inout JSONWriter) {")
        for field in owner.fields {
            if field.kind == .metadataItems {
                // A list is always written, unless a value that is not a list stands in its place.
                out.line("        if !\(others).members.contains(where: { $0.key == \"\(field.key)\" }) {")
                out.line("            writer.plainKey(\"\(field.key)\")")
                out.line("            writer.beginArray()")
                // In place: `for item in` (or a subscript) copies each metadata item (200 bytes, strings retained) out.
                out.line("            \(field.property).withUnsafeBufferPointer { items in")
                out.line("                for index in items.indices { items[index].writeNormalized(to: &writer) }")
                out.line("            }")
                out.line("            writer.endArray()")
                out.line("        }")
            } else {
                out.line("        \(field.kind.codec!).writeNormalized(\(field.property), key: \"\(field.key)\", to: &writer)")
            }
        }
        // A member the normalized form derives (file_size_bytes) is written once: an other field of
        // that name (normalized output read again) gives way to the derived one.
        let derived = owner.fields.flatMap { field in field.kind.derivedKeys(key: field.key).map { (field, $0) } }
        let condition = derived.map { "(member.key == \"\($1)\" && \($0.property)?.approximateBytes != nil)" }
        out.line("        for member in \(others).members\(condition.isEmpty ? "" : " where !(\(condition.joined(separator: " || ")))") {")
        out.line("            writer.key(member.key)")
        out.line("            writer.write(member.value)")
        out.line("        }")
        out.line("    }")
        out.line("}")
        out.line()
    }

    /// What ``NormalizedItemWriter`` needs to write the normalized form straight from the events:
    /// each declared scalar's member from its token, the keys of the members it writes itself
    /// (boxes and lists), and which contexts hold a list that is written even when absent. The
    /// slots of each owner are declared in the order of its fields, the order in which
    /// ``emitNormalized(_:_:)`` writes them, so that the writer orders members by slot.
    static func emitNormalizedFromEvents(_ out: inout Output) {
        out.line("extension PropertySlot {")
        out.line("    /// Writes the normalized member of a declared scalar property whose value is `token`,")
        out.line("    /// as ``MediaItem/writeNormalized(to:)`` writes it; nothing for `null`. False when the slot")
        out.line("    /// holds no declared scalar, or the token is in none of its kind's common encodings.")
        out.line("    /// `escapeFree`: a string token's bytes need no escaping (see ``FieldCodec``).")
        out.line("    func writeNormalizedMember(_ token: ScalarToken, _ vocabulary: Vocabulary, escapeFree: Bool, to writer: inout JSONWriter) -> Bool {")
        out.line("        switch self {")
        for owner in walkedOwners {
            for field in owner.fields where field.kind.isScalar {
                out.line("        case .\(slotName(owner, field)): \(field.kind.codec!).writeNormalizedMember(token, key: \"\(field.key)\", vocabulary, escapeFree: escapeFree, to: &writer)")
            }
        }
        out.line("        default: false")
        out.line("        }")
        out.line("    }")
        out.line()
        out.line("    /// The key of the member the normalized form writes for a box or a list in this slot.")
        out.line("    var containerKey: StaticString {")
        out.line("        switch self {")
        for owner in walkedOwners {
            for field in owner.fields where !field.kind.isScalar {
                out.line("        case .\(slotName(owner, field)): \"\(field.key)\"")
            }
        }
        out.line("        default: preconditionFailure(\"\\(self) holds no box or list\")")
        out.line("        }")
        out.line("    }")
        out.line()
        out.line("    /// Whether the slot holds a bounding box.")
        out.line("    var holdsBox: Bool {")
        let boxes = walkedOwners.flatMap { owner in owner.fields.filter { $0.kind == .boundingBox }.map { "." + slotName(owner, $0) } }
        if boxes.isEmpty {
            out.line("        false")
        } else {
            out.line("        switch self {")
            out.line("        case \(boxes.joined(separator: ", ")): true")
            out.line("        default: false")
            out.line("        }")
        }
        out.line("    }")
        out.line()
        out.line("    /// The slot of the metadata list that an object read in `context` declares, which the")
        out.line("    /// normalized form writes (empty) when the object has none; nil in other contexts.")
        out.line("    static func list(in context: BuilderContext) -> PropertySlot? {")
        out.line("        switch context {")
        for owner in walkedOwners {
            for field in owner.fields where field.kind == .metadataItems {
                out.line("        case .\(owner.caseName): .\(slotName(owner, field))")
            }
        }
        out.line("        default: nil")
        out.line("        }")
        out.line("    }")
        out.line("}")
        out.line()
    }

    static func emitTable(_ owner: OwnerDeclaration, _ out: inout Output) {
        out.line("extension \(owner.typeName) {")
        out.line("    /// The table columns of the declared fields, in declaration order.")
        let columns = owner.fields.flatMap { $0.kind.columns(key: $0.key) }.map { "\"\($0)\"" }
        out.line("    public static let tableColumns: [String] = [\(columns.joined(separator: ", "))]")
        out.line()
        let keys = owner.fields.filter { $0.kind != .metadataItems }.flatMap(\.keys).map { "." + camelCase($0) }
        out.line("    /// The keys of the declared fields, for a walk that reads only what a table of this type needs.")
        out.line("    public static let propertyKeys: Set<PropertySelection.Key> = [\(keys.joined(separator: ", "))]")
        out.line()
        out.line("    /// Writes one cell per column of ``tableColumns`` into the open row; a list is flattened to its count.")
        out.line("    public func writeTableCells(to row: inout TableRowWriter) {")
        for field in owner.fields {
            if field.kind == .metadataItems {
                out.line("        row.integer(\(field.property).count)")
            } else {
                out.line("        \(field.kind.codec!).writeCells(\(field.property), to: &row)")
            }
        }
        out.line("    }")
        out.line("}")
        out.line()
    }

    static func emitPropertyKeys(_ out: inout Output) {
        out.line("extension PropertySelection.Key {")
        var seen = Set<String>()
        for owner in walkedOwners {
            for field in owner.fields where field.kind != .metadataItems {
                for key in field.keys where seen.insert(key).inserted {
                    out.line("    /// `\(key)`, wherever it stands.")
                    out.line("    public static let \(camelCase(key)) = Self(name: \"\(key)\")")
                }
            }
        }
        out.line("}")
    }
}
