/// What is being read at one depth of metadata, reused from item to item.
///
/// Not copyable: it owns its list's buffer, which goes when the level does.
struct MetadataLevel: ~Copyable {
    /// The finished metadata items of the open list.
    var list = GrowableStack<MetadataItem>()
    var typeName: String?
    var typeKey = MetadataItem.TypeKey.type
    /// The known kind ``typeName`` names.
    var kind: MetadataKind?
    var otherFields: [JSONMember] = []
    /// The kind whose value below holds the properties, when they were read typed.
    var typedKind: MetadataKind?
    /// The properties, when they were kept as fields.
    var propertyFields: [Field] = []
    var sawPropertyFields = false
    // The value being filled, of the kind `typedKind` names. Each is empty
    // but while its kind's properties are read: taking the content moves the
    // value out and leaves an empty one. (Optionals here would cost a copy of
    // the whole value for every nil written.)
    var issue = Issue()
    var userTag = UserTag()
    var imageLabel = ImageLabel()
    var objectLabel = ObjectLabel()
    var videoInfo = VideoInfo()
    var caption = Caption()

    /// Forgets the previous metadata item, keeping buffer capacity.
    mutating func startItem() {
        typeName = nil
        typeKey = .type
        kind = nil
        otherFields.removeAll(keepingCapacity: true)
        typedKind = nil
        sawPropertyFields = false
    }

    /// Starts reading properties into the empty value of `kind`.
    mutating func startTypedProperties(_ kind: MetadataKind) {
        if let previous = typedKind {
            // A second properties object in one metadata item: the last one counts.
            _ = takeContent(previous)
        }
        typedKind = kind
        sawPropertyFields = false
    }

    /// Starts keeping properties as fields, for a type not named yet.
    mutating func startFieldProperties() {
        if let previous = typedKind {
            _ = takeContent(previous)
        }
        typedKind = nil
        propertyFields.removeAll(keepingCapacity: true)
        sawPropertyFields = true
    }

    /// A direct member of the metadata item: its type, a `properties` that is not an object, or another field.
    mutating func takeMember(_ field: Field, _ log: inout NonconformingLog) {
        switch field.key {
        case .known(.type), .known(.metadataType):
            let name = StringCodec.read(field.value)
            let newKind = name.flatMap { MetadataKind(rawValue: $0) }
            if let typedKind, newKind != typedKind || name == nil {
                // Its properties were read as another type: that type stays, this one is kept and reported.
                log.record(field, expected: "\"\(typedKind.rawValue)\", the type its properties were read as")
                otherFields.append(field.member)
                return
            }
            guard let name else {
                // Neither a string nor a number: the metadata item has no readable type, and is kept whole.
                typeName = nil
                kind = nil
                otherFields.append(field.member)
                return
            }
            typeName = name
            typeKey = field.key == .known(.type) ? .type : .metadataType
            kind = newKind
        case .known(.properties):
            // A value that is not an object (an object opened a properties level instead).
            MetadataItem.keepNonObjectProperties(field, in: &otherFields, &log)
        default:
            otherFields.append(field.member)
        }
    }
}

/// Moves a value out, leaving an empty one in its place.
///
/// `swap` moves both values without reference counting. The ways that read
/// better cost more here: moving the value out and initialising an empty one
/// in place, or building a new value from the old one's properties, each
/// made the optimiser copy the whole value (retaining every string in it)
/// and destroy the original (releasing them all again). The empty value is
/// a copy of one made once: an empty value made here would be made twice,
/// copied and destroyed, for each metadata item.
func swappedOut<Value: EmptyInitializable>(_ value: inout Value) -> Value {
    var taken = Value.empty
    swap(&taken, &value)
    return taken
}

/// A value with an empty state to leave behind.
protocol EmptyInitializable {
    /// An empty value, made once, for ``swappedOut(_:)`` to copy.
    static var empty: Self { get }
}

extension MediaItem: EmptyInitializable {
    static let empty = MediaItem(index: 0)
}

// The metadata contents' conformances are generated with the types (Generated/Format.swift).

/// The metadata levels, in storage of their own: an element of an array held
/// in a struct is checked for uniqueness on every write, a pointee is not.
/// Not copyable, so the storage has one owner, the ``MediaItemBuilder``, and
/// is freed when that owner goes.
struct MetadataLevelStorage: ~Copyable {
    private(set) var base: UnsafeMutablePointer<MetadataLevel>
    private var capacity: Int

    init() {
        capacity = 2
        base = .allocate(capacity: capacity)
        for level in 0..<capacity { (base + level).initialize(to: MetadataLevel()) }
    }

    /// Makes room for `count` levels, keeping those there.
    mutating func reserve(_ count: Int) {
        guard count > capacity else { return }
        let grown = UnsafeMutablePointer<MetadataLevel>.allocate(capacity: count * 2)
        grown.moveInitialize(from: base, count: capacity)
        for level in capacity..<count * 2 { (grown + level).initialize(to: MetadataLevel()) }
        base.deallocate()
        base = grown
        capacity = count * 2
    }

    deinit {
        base.deinitialize(count: capacity)
        base.deallocate()
    }
}
