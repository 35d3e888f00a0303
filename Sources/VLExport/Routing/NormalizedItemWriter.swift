/// Writes a media item in its normalized form (``MediaItem/writeNormalized(to:)``) straight
/// from the events inside it, without building the typed item: `vlx ndjson --normalize`'s walk.
///
/// Each member is written as its value comes, by its kind's codec (the generated
/// ``PropertySlot/writeNormalizedMember(_:_:escapeFree:to:)``), and noted as a fragment of the open
/// object with its slot. The normalized form puts the declared members in declaration order,
/// which is the order of their slots; an object whose members came in another order has its
/// fragments put in slot order when it closes. A list the format declares (`metadata_items`)
/// is written empty when the object has none, as the typed form writes it.
///
/// The writer takes the way that real exports take, and nothing else: declared keys, each
/// once, with values in their kind's common encodings; metadata items that name a known type
/// before their properties object. At anything else (a key the format does not name, a value
/// the typed walk would convert or keep as it was, `null` for a list, a type that comes after
/// the properties, an element that is not an object), it gives up on the item and passes over
/// the rest of its events; ``ExportRouter`` then builds the typed item from the item's bytes
/// and writes it from that, so that the output, the warnings and their places are the typed
/// walk's in every case (the tests and the fuzzer compare the two).
struct NormalizedItemWriter: ~Copyable {
    /// An open object or array of the item. The open one lives in ``current``; those around it
    /// wait in ``outer``.
    struct Frame {
        var context: BuilderContext
        /// The index in ``writer``'s bytes of the object's opening brace.
        var objectStart: Int
        /// Its first fragment in ``fragments``.
        var firstFragment: Int
        /// The slots met so far in the object, one bit each: a key met twice gives up.
        var seenSlots: UInt64 = 0
        /// The largest slot written so far, and whether every fragment came after the one before.
        var lastSlot: UInt8 = 0
        var inSlotOrder = true
        /// The slot of the member this container is the value of, in the object around it, and
        /// where that member's fragment begins.
        var memberSlot: PropertySlot
        var memberStart: Int
        /// For a metadata item: the kind its type names, once read.
        var kind: MetadataKind?
    }

    /// A member written in an open object: its slot and its bytes in ``writer``, which begin
    /// with the comma before it unless it came first.
    struct Fragment {
        var slot: UInt8
        var start: Int
        var end: Int
    }

    private let vocabulary = Vocabulary.shared
    private let slotTable = SlotTable.shared
    /// The item written so far; the whole item once ``endObject()`` has reported its end.
    private var writer = JSONWriter(capacity: initialRoom)
    private var current = Frame(context: .item, objectStart: 0, firstFragment: 0, memberSlot: .other, memberStart: 0)
    // Pointers rather than arrays: a write to an array held in a struct checks the array's
    // uniqueness at run time, and this is done for nearly every event.
    private var outer = GrowableStack<Frame>()
    private var fragments = GrowableStack<Fragment>()
    /// The body of an object being put in slot order.
    private var reordering = GrowableStack<UInt8>()
    /// The slot of the key read last, and where its member's fragment begins.
    private var pendingSlot = PropertySlot.other
    private var pendingStart = 0
    /// The numbers of the `bbox` being read.
    private var boxNumbers: (Double, Double, Double, Double) = (0, 0, 0, 0)
    private var boxCount = 0
    /// How deep the events of the item go, counted on after giving up.
    private var depth = 0
    /// Whether the writer gave up on the item; its events are then only counted.
    private(set) var gaveUp = false

    /// Starts an item; the caller has seen its opening brace.
    mutating func begin() {
        writer.reset()
        outer.removeAll()
        fragments.removeAll()
        gaveUp = false
        depth = 1
        writer.beginObject()
        current = Frame(context: .item, objectStart: 0, firstFragment: 0, memberSlot: .other, memberStart: 0)
    }

    /// The item's normalized JSON, once its closing brace was reported and the writer did not
    /// give up, in an array of its size. The writer keeps its room for the next item, unless
    /// this one was over 1 MiB: a worker does not hold on to the room of its largest item.
    mutating func takeOutput() -> [UInt8] {
        let output = writer.takeBytes()
        releaseLargeRoom()
        return output
    }

    /// Appends the item's normalized JSON, as ``takeOutput()`` would give it, to `lines`.
    mutating func appendOutput(to lines: inout [UInt8]) {
        writer.withBytes { lines.append(contentsOf: $0) }
        writer.reset()
        releaseLargeRoom()
    }

    /// Gives up the writer's room when an item over 1 MiB made it grow.
    private mutating func releaseLargeRoom() {
        if writer.capacity > Self.largestKeptRoom { writer = JSONWriter(capacity: Self.initialRoom) }
    }

    private static var initialRoom: Int { 4096 }
    private static var largestKeptRoom: Int { 1 << 20 }

    // MARK: - Events

    mutating func key(_ bytes: UnsafeRawBufferPointer) {
        guard !gaveUp else { return }
        let slot = slotTable.slot(vocabulary.keys.index(of: bytes), in: current.context)
        let bit = Self.bit(slot)
        guard slot != .other, current.seenSlots & bit == 0 else { return giveUp() }
        current.seenSlots |= bit
        pendingSlot = slot
        pendingStart = writer.count
    }

    /// A scalar; `escapeFree` says a string's bytes need no escaping (``FieldCodec``).
    mutating func scalar(_ token: ScalarToken, escapeFree: Bool) {
        guard !gaveUp else { return }
        switch current.context {
        case .boundingBox:
            guard case .number(let text) = token, boxCount < 4,
                  let number = NumberParsing.double(fromJSONNumber: text), number.isFinite
            else { return giveUp() }
            switch boxCount {
            case 0: boxNumbers.0 = number
            case 1: boxNumbers.1 = number
            case 2: boxNumbers.2 = number
            default: boxNumbers.3 = number
            }
            boxCount += 1
        case .metadataItem:
            // Only a type is a scalar here (other keys gave up): a string naming a known kind.
            guard pendingSlot != .properties, case .string(let bytes) = token else { return giveUp() }
            let index = vocabulary.metadataKinds.index(of: bytes)
            // Either key of the type counts as the type: a second one gives up.
            let typeBits = Self.bit(.type) | Self.bit(.metadataType)
            guard index >= 0, current.seenSlots & typeBits != typeBits else { return giveUp() }
            current.kind = vocabulary.metadataKindValues[index]
            writer.plainKey(MetadataItem.normalizedTypeKey)
            // The table matched the bytes exactly: they are the kind's name.
            writer.string(utf8: bytes)
            noteFragment(slot: .type)
        case .metadataList:
            giveUp()
        default:
            if case .null = token, pendingSlot.holdsBox {
                // A box that is null is no box, as for any declared property.
                return
            }
            guard pendingSlot.writeNormalizedMember(token, vocabulary, escapeFree: escapeFree, to: &writer) else { return giveUp() }
            if writer.count > pendingStart { noteFragment(slot: pendingSlot) }
        }
    }

    mutating func startObject() {
        depth += 1
        guard !gaveUp else { return }
        switch current.context {
        case .metadataList:
            writer.beginObject()
            push(Frame(context: .metadataItem, objectStart: writer.count - 1, firstFragment: fragments.count, memberSlot: .other, memberStart: 0))
        case .metadataItem where pendingSlot == .properties:
            guard let kind = current.kind else { return giveUp() }
            writer.plainKey(MetadataItem.propertiesKey)
            writer.beginObject()
            push(Frame(
                context: BuilderContext(properties: kind), objectStart: writer.count - 1, firstFragment: fragments.count,
                memberSlot: .properties, memberStart: pendingStart
            ))
        default:
            giveUp()
        }
    }

    mutating func startArray() {
        depth += 1
        guard !gaveUp else { return }
        let context = current.context
        if let list = PropertySlot.list(in: context), pendingSlot == list {
            writer.plainKey(list.containerKey)
            writer.beginArray()
            push(Frame(context: .metadataList, objectStart: writer.count - 1, firstFragment: fragments.count, memberSlot: list, memberStart: pendingStart))
        } else if pendingSlot.holdsBox, context != .boundingBox {
            boxCount = 0
            push(Frame(context: .boundingBox, objectStart: writer.count, firstFragment: fragments.count, memberSlot: pendingSlot, memberStart: pendingStart))
        } else {
            giveUp()
        }
    }

    mutating func endArray() {
        depth -= 1
        guard !gaveUp else { return }
        let frame = pop()
        if frame.context == .boundingBox {
            guard boxCount == 4 else { return giveUp() }
            BoundingBoxCodec.writeNormalized(
                BoundingBox(x: boxNumbers.0, y: boxNumbers.1, width: boxNumbers.2, height: boxNumbers.3),
                key: frame.memberSlot.containerKey, to: &writer
            )
        } else {
            writer.endArray()
        }
        pendingStart = frame.memberStart
        noteFragment(slot: frame.memberSlot)
    }

    /// Closes an object; true when it was the item's own closing brace.
    mutating func endObject() -> Bool {
        depth -= 1
        guard !gaveUp else { return depth == 0 }
        let context = current.context
        // A metadata item is written whole only with its type and its properties.
        if context == .metadataItem, current.kind == nil || current.seenSlots & Self.bit(.properties) == 0 {
            giveUp()
            return depth == 0
        }
        if let list = PropertySlot.list(in: context), current.seenSlots & Self.bit(list) == 0 {
            pendingStart = writer.count
            writer.plainKey(list.containerKey)
            writer.beginArray()
            writer.endArray()
            noteFragment(slot: list)
        }
        if !current.inSlotOrder { putInSlotOrder() }
        fragments.shrink(to: current.firstFragment)
        writer.endObject()
        guard context != .item else { return depth == 0 }
        let frame = pop()
        if context != .metadataItem {
            // Properties: a member of their metadata item.
            pendingStart = frame.memberStart
            noteFragment(slot: frame.memberSlot)
        }
        return false
    }

    // MARK: - Helpers

    @inline(__always)
    private static func bit(_ slot: PropertySlot) -> UInt64 {
        1 << UInt64(slot.rawValue)
    }

    private mutating func push(_ frame: Frame) {
        outer.append(current)
        current = frame
        // In a list no key comes before an element.
        pendingSlot = .other
    }

    /// Closes the open container: the one around it becomes the open one. Returns the closed one.
    private mutating func pop() -> Frame {
        let closed = current
        current = outer.removeLast()
        pendingSlot = .other
        return closed
    }

    /// Notes the member that began at ``pendingStart`` and ends here as a fragment of the open object.
    private mutating func noteFragment(slot: PropertySlot) {
        let rank = slot.rawValue
        if rank < current.lastSlot { current.inSlotOrder = false }
        current.lastSlot = max(current.lastSlot, rank)
        fragments.append(Fragment(slot: rank, start: pendingStart, end: writer.count))
    }

    /// Rewrites the members of the open object in slot order, each after a comma but the first.
    private mutating func putInSlotOrder() {
        let first = current.firstFragment
        let members = fragments.base
        // Insertion sort in place: an object has a few members, nearly in order.
        for index in (first + 1)..<fragments.count {
            let member = members[index]
            var hole = index
            while hole > first, members[hole - 1].slot > member.slot {
                members[hole] = members[hole - 1]
                hole -= 1
            }
            members[hole] = member
        }
        let bodyStart = current.objectStart + 1
        writer.withMutableBytes { buffer in
            let body = buffer.baseAddress! + bodyStart
            let length = buffer.count - bodyStart
            reordering.removeAll()
            reordering.reserve(length)
            reordering.base.initialize(from: body, count: length)
            var at = body
            for index in first..<fragments.count {
                var start = members[index].start - bodyStart
                if reordering.base[start] == UInt8(ascii: ",") { start += 1 }
                if index > first {
                    at.pointee = UInt8(ascii: ",")
                    at += 1
                }
                let count = members[index].end - bodyStart - start
                at.update(from: reordering.base + start, count: count)
                at += count
            }
        }
    }

    private mutating func giveUp() {
        gaveUp = true
    }
}
