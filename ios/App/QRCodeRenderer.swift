import CoreImage
import UIKit

/// Renders the core's QR text with CoreImage's CIQRCodeGenerator at error correction level M
/// (the level the size targets in DESIGN.md assume). The text is Base45 with a short prefix,
/// so it fits QR alphanumeric mode.
enum QRCodeRenderer {
    private static let context = CIContext(options: [.useSoftwareRenderer: false])

    static func image(for text: String, scale: CGFloat = 12) -> UIImage? {
        guard let filter = CIFilter(name: "CIQRCodeGenerator") else { return nil }
        filter.setValue(Data(text.utf8), forKey: "inputMessage")
        filter.setValue("M", forKey: "inputCorrectionLevel")
        guard let code = filter.outputImage else { return nil }
        let scaled = code.transformed(by: CGAffineTransform(scaleX: scale, y: scale))
        guard let cgImage = context.createCGImage(scaled, from: scaled.extent) else { return nil }
        return UIImage(cgImage: cgImage)
    }
}
