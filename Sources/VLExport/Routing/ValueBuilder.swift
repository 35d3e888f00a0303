/// Builds ``JSONValue`` trees from events, keeping key order and number text.
///
/// Values of open containers wait on one flat stack and keys on another; a
/// container takes its slice when it closes. Appending to an array stored
/// inside an enum case would copy the array on every append; the flat stacks
/// avoid that, and keep their capacity from one value to the next.
///
/// A container can also be passed over (``startSkipping()``): its events are
/// counted, not kept, and nothing is returned when it closes.
struct ValueBuilder {
    private struct Frame {
        var isObject: Bool
        var valueStart: Int
        var keyStart: Int
    }

    private var frames: [Frame] = []
    private var values: [JSONValue] = []
    private var keys: [String] = []

    /// Whether a container is open. (Stored: the typed builder asks on every event,
    /// and an array's count is a call the optimiser does not always inline.)
    private(set) var isBuilding = false
    /// How deep the builder is in a container it passes over; 0 when it is building.
    private var skippingDepth = 0
    /// Set when an object built here may hold a key twice, or a container was passed over
    /// with its keys unread; the owner clears it. (Objects of more than ``keysComparedAtMost``
    /// keys count as maybe: comparing every pair is the byte scan's job.)
    var keysMayRepeat = false
    private static let keysComparedAtMost = 16

    /// Opens a container to pass over: what it holds is not kept, and closing it returns nothing.
    mutating func startSkipping() {
        skippingDepth = 1
        isBuilding = true
        keysMayRepeat = true
    }

    /// Opens an object.
    mutating func startObject() {
        open(isObject: true)
    }

    /// Opens an array.
    mutating func startArray() {
        open(isObject: false)
    }

    private mutating func open(isObject: Bool) {
        if skippingDepth > 0 {
            skippingDepth += 1
            return
        }
        frames.append(Frame(isObject: isObject, valueStart: values.count, keyStart: keys.count))
        isBuilding = true
    }

    /// Records the key of the next member of the open object.
    mutating func key(_ bytes: UnsafeRawBufferPointer) {
        if skippingDepth > 0 { return }
        keys.append(String(decoding: bytes, as: UTF8.self))
    }

    /// Adds a scalar to the open container.
    mutating func add(_ value: JSONValue) {
        values.append(value)
    }

    /// Adds a scalar token to the open container, making its value only when it is kept.
    mutating func add(_ token: ScalarToken) {
        if skippingDepth > 0 { return }
        values.append(token.value)
    }

    /// Closes the open container; returns the finished value when it was the outermost.
    mutating func end() -> JSONValue? {
        if skippingDepth > 0 {
            skippingDepth -= 1
            if skippingDepth == 0 { isBuilding = !frames.isEmpty }
            return nil
        }
        let frame = frames.removeLast()
        let value: JSONValue
        if frame.isObject {
            let keyCount = keys.count - frame.keyStart
            if keyCount > Self.keysComparedAtMost {
                keysMayRepeat = true
            } else if keyCount > 1, !keysMayRepeat {
                for first in frame.keyStart..<(keys.count - 1) where keys[(first + 1)...].contains(keys[first]) {
                    keysMayRepeat = true
                    break
                }
            }
            var members: [JSONMember] = []
            members.reserveCapacity(values.count - frame.valueStart)
            for offset in 0..<(values.count - frame.valueStart) {
                members.append(JSONMember(key: keys[frame.keyStart + offset], value: values[frame.valueStart + offset]))
            }
            keys.removeSubrange(frame.keyStart...)
            value = .object(JSONObject(members))
        } else {
            value = .array(Array(values[frame.valueStart...]))
        }
        values.removeSubrange(frame.valueStart...)
        if frames.isEmpty {
            isBuilding = false
            return value
        }
        values.append(value)
        return nil
    }

    /// Drops everything open, after an error.
    mutating func reset() {
        guard isBuilding else { return }
        isBuilding = false
        skippingDepth = 0
        frames.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
    }
}

extension JSONValue {
    /// A string value from UTF-8 bytes.
    @inline(__always)
    static func string(bytes: UnsafeRawBufferPointer) -> JSONValue {
        .string(String(decoding: bytes, as: UTF8.self))
    }

    /// A number value from its text.
    @inline(__always)
    static func number(text: UnsafeRawBufferPointer) -> JSONValue {
        .number(JSONNumber(bytes: text))
    }
}
