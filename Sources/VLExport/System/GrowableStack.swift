/// Elements in memory of their own, growing as needed and kept from use to use (a builder's
/// contexts, an open list of metadata items, a scan's open brackets).
///
/// An array kept in a struct is checked for uniqueness at every write, and cannot hand its
/// elements over without copying them (and retaining everything they hold); this stack is
/// not, and moves them out (``takeAll()``). Not copyable: the memory has one owner, and is
/// freed when that owner goes.
struct GrowableStack<Element>: ~Copyable {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 16) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    subscript(index: Int) -> Element {
        @inline(__always) get { base[index] }
    }

    /// The top element, in place; there must be one.
    var last: UnsafeMutablePointer<Element> {
        @inline(__always) get { base + (count - 1) }
    }

    @inline(__always)
    mutating func append(_ element: consuming Element) {
        if count == capacity { reserve(capacity * 2) }
        (base + count).initialize(to: element)
        count += 1
    }

    /// Moves the top element out; there must be one.
    @inline(__always)
    mutating func removeLast() -> Element {
        precondition(count > 0, "removeLast on an empty stack")
        count -= 1
        return (base + count).move()
    }

    /// Destroys the elements above the first `kept`.
    mutating func shrink(to kept: Int) {
        guard kept < count else { return }
        (base + kept).deinitialize(count: count - kept)
        count = kept
    }

    /// Destroys every element, keeping the memory.
    mutating func removeAll() {
        shrink(to: 0)
    }

    /// Moves the elements out, in order, into an array of exactly their count; the stack is then empty.
    mutating func takeAll() -> [Element] {
        guard count > 0 else { return [] }
        let taken = count
        count = 0
        return Array(unsafeUninitializedCapacity: taken) { buffer, initialized in
            buffer.baseAddress.unsafelyUnwrapped.moveInitialize(from: base, count: taken)
            initialized = taken
        }
    }

    /// Makes room for `wanted` elements in all.
    @inline(never)
    mutating func reserve(_ wanted: Int) {
        guard wanted > capacity else { return }
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: wanted)
        grown.moveInitialize(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = wanted
    }
}
