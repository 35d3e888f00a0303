/// The paths of errors and warnings inside an export, spelled from the format's declaration
/// (`KnownKey`): `media_items[3]`, `media_items[3].metadata_items[0]`.
public enum ItemPath {
    /// `media_items`.
    public static let mediaItems = KnownKey.mediaItems.rawValue

    /// The path of the media item at `index`: `media_items[index]`.
    public static func mediaItem(_ index: Int) -> String {
        "\(mediaItems)[\(index)]"
    }

    /// Whether `path` is inside a media item.
    static func isInMediaItem(_ path: String) -> Bool {
        path.hasPrefix(mediaItems + "[")
    }
}
