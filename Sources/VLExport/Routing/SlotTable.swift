/// ``PropertySlot/of(_:in:)`` for every context and key, precomputed for one ``PropertySelection``.
///
/// A lookup is one load, where the switch would be a jump the processor
/// mispredicts whenever the keys change kind.
struct SlotTable: @unchecked Sendable {
    /// The table for ``PropertySelection/all``, made once.
    static let shared = SlotTable(selection: .all)

    /// The table for `selection`, made once per selection: a parallel walk makes a builder for
    /// every batch, and making the table each time would be a part of the walk's work.
    static func table(for selection: PropertySelection) -> SlotTable {
        if selection.isAll { return shared }
        return made.withLock { made in
            if let table = made[selection] { return table }
            // A process that makes many selections keeps the last few.
            if made.count >= 16 { made.removeAll() }
            let table = SlotTable(selection: selection)
            made[selection] = table
            return table
        }
    }

    private static let made = LockedValue<[PropertySelection: SlotTable]>([:])

    /// Owns the table's memory; ``slots`` points into it, so a lookup does not touch the owner.
    private final class Storage {
        let slots: UnsafeMutablePointer<PropertySlot>
        init(count: Int) { slots = .allocate(capacity: count) }
        deinit { slots.deallocate() }
    }

    private let storage: Storage
    /// One row per context: the slot for an unknown key, then one per ``KnownKey/ordered`` key.
    private let slots: UnsafeMutablePointer<PropertySlot>
    private let rowLength: Int

    /// The table that reads what `selection` selects and skips the rest.
    init(selection: PropertySelection) {
        let keys = KnownKey.ordered
        rowLength = keys.count + 1
        storage = Storage(count: BuilderContext.allCases.count * rowLength)
        slots = storage.slots
        for context in BuilderContext.allCases {
            let row = slots + context.rawValue * rowLength
            row.initialize(to: Self.selected(.other, key: nil, in: context, selection))
            for (index, key) in keys.enumerated() {
                (row + 1 + index).initialize(to: Self.selected(PropertySlot.of(key, in: context), key: key, in: context, selection))
            }
        }
    }

    /// `slot`, or ``PropertySlot/skipped`` when the selection leaves it out.
    private static func selected(_ slot: PropertySlot, key: KnownKey?, in context: BuilderContext, _ selection: PropertySelection) -> PropertySlot {
        switch slot {
        case .itemMetadataItems, .objectLabelMetadataItems, .type, .metadataType, .properties:
            return slot  // the item's shape: always read
        case .other:
            // Properties before their type are read whole, to be typed when the type is known.
            if context == .fieldProperties { return slot }
            // A key the format does not name: skipped unless other fields are kept; the
            // builder still keeps one the selection names (``MediaItemBuilder/key(_:)``).
            guard let key else { return selection.keepsOtherFields ? slot : .skipped }
            return selection.keepsOtherField(named: key.rawValue) ? slot : .skipped
        default:
            return key.map(selection.reads) ?? true ? slot : .skipped
        }
    }

    /// The slot of the key at `keyIndex` in ``KnownKey/ordered`` (-1 for an unknown key) in `context`.
    @inline(__always)
    func slot(_ keyIndex: Int, in context: BuilderContext) -> PropertySlot {
        // Wrapping arithmetic: the table's size bounds every index, and the overflow checks were three branches a key.
        slots[context.rawValue &* rowLength &+ keyIndex &+ 1]
    }
}
