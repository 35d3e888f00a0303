#if canImport(Glibc)
import Glibc
#endif

extension ItemBatch {
    /// Reads the batch on a worker, as the serial walk reads those bytes: items made in `mode`,
    /// those before `skipped` passed over, and joined by `collector` when the loop gives one.
    /// A batch of raw items is cut without events when it can
    /// (``rawObjectItemsWithoutEvents(_:skippingItemsBefore:)``).
    func read(_ options: ReaderOptions, mode: ItemMode, skippingItemsBefore skipped: Int, collector: (any ItemCollecting)?) -> BatchResult {
        guard mode == .raw, var result = rawObjectItemsWithoutEvents(options, skippingItemsBefore: skipped) else {
            return readEventByEvent(options, mode: mode, skippingItemsBefore: skipped, collector: collector)
        }
        if let collector {
            var finished = FinishedItems()
            finished.collector = collector
            for case let item? in result.items { finished.append(item) }
            result.items = finished.takeAll()
        }
        return result
    }

    /// Reads the batch with a parser of its own, event by event.
    private func readEventByEvent(_ options: ReaderOptions, mode: ItemMode, skippingItemsBefore skipped: Int, collector: (any ItemCollecting)?) -> BatchResult {
        let parser = ExportParser(
            batchOf: options, itemMode: mode, at: place, skippingItemsBefore: skipped,
            expectedItems: objectItemSpans?.count ?? 0, isCompact: !mayHoldWhitespace
        )
        parser.collector = collector
        bytes.withUnsafeBytes { parser.feed($0) }
        if endsInput {
            parser.finish()
        } else if !closesMediaItems {
            // yajl knows a number has ended only when the next byte comes: a `]` brings out
            // an item that is a number at the batch's end, as the comma after it would.
            Self.closingBracket.withUnsafeBytes { parser.feed($0) }
        }
        return parser.batchResult()
    }

    private static let closingBracket: [UInt8] = [UInt8(ascii: "]")]

    /// The raw walk's fast path: a batch of objects within the limits that yajl, with no
    /// callbacks, finds valid holds exactly the items the scanner proposed, and nothing the
    /// walk warns about, so they are cut from the bytes (compacted unless the scanner saw no
    /// white space outside strings) without an event. Nil when any of that does not hold:
    /// the batch is then read event by event, which gives the serial walk's items and error.
    func rawObjectItemsWithoutEvents(_ options: ReaderOptions, skippingItemsBefore skipped: Int) -> BatchResult? {
        guard !endsInput, let spans = objectItemSpans, depthBound <= options.maxDepth,
              spans.allSatisfy({ $0.count <= options.maxItemBytes })
        else { return nil }
        return bytes.withUnsafeBytes { buffer -> BatchResult? in
            guard let base = buffer.baseAddress else { return nil }
            // yajl takes form feed and vertical tab for white space; the Tokenizer refuses them.
            guard memchr(base, 0x0B, buffer.count) == nil, memchr(base, 0x0C, buffer.count) == nil,
                  JSONValidator.isValidArray(elements: buffer, endsWithClosingBracket: closesMediaItems)
            else { return nil }
            var items: [ParsedItem?] = []
            items.reserveCapacity(spans.count)
            var line = place.line
            var lineStart = place.lineStart
            var counted = 0
            for (position, span) in spans.enumerated() {
                // Lines up to the item's opening brace.
                InputPlace.countLines(in: base, from: counted, to: span.lowerBound, startingAt: place.offset, line: &line, lineStart: &lineStart)
                counted = span.lowerBound
                let index = place.firstItemIndex + position
                guard index >= skipped else { continue }
                let offset = place.offset + span.lowerBound
                let itemBytes = UnsafeRawBufferPointer(rebasing: buffer[span])
                let json = mayHoldWhitespace ? JSONCompactor.compacted(itemBytes) : Array(itemBytes)
                items.append(.raw(RawMediaItem(index: index, json: json, location: SourceLocation(offset: offset, line: line, column: offset - lineStart + 1))))
            }
            return BatchResult(items: items, warnings: [], warningCount: 0, itemCount: spans.count, failure: nil)
        }
    }
}
