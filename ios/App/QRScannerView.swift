import AVFoundation
import SwiftUI
import UIKit

/// The camera as a QR scanner (AVFoundation). Hands the exact text of the first QR code it
/// reads to `onCode` and stops until `isScanning` becomes true again.
struct QRScannerView: UIViewControllerRepresentable {
    var isScanning: Bool
    var deniedText: String
    let onCode: (String) -> Void

    func makeUIViewController(context: Context) -> ScannerViewController {
        let controller = ScannerViewController()
        controller.onCode = onCode
        controller.deniedText = deniedText
        return controller
    }

    func updateUIViewController(_ controller: ScannerViewController, context: Context) {
        controller.onCode = onCode
        controller.deniedText = deniedText
        controller.setScanning(isScanning)
    }
}

final class ScannerViewController: UIViewController, AVCaptureMetadataOutputObjectsDelegate {
    var onCode: ((String) -> Void)?
    var deniedText = ""

    private let session = AVCaptureSession()
    /// AVCaptureSession calls block; they run on this queue, never on the main thread.
    private let sessionQueue = DispatchQueue(label: "de.ehrenamtskarte.scanner")
    private var previewLayer: AVCaptureVideoPreviewLayer?
    private var configured = false // touched on sessionQueue only
    private var wantsScanning = true
    private var visible = false
    private let deniedLabel = UILabel()

    override func viewDidLoad() {
        super.viewDidLoad()
        view.backgroundColor = .black
        let preview = AVCaptureVideoPreviewLayer(session: session)
        preview.videoGravity = .resizeAspectFill
        view.layer.addSublayer(preview)
        previewLayer = preview

        deniedLabel.textColor = .white
        deniedLabel.numberOfLines = 0
        deniedLabel.textAlignment = .center
        deniedLabel.isHidden = true
        deniedLabel.translatesAutoresizingMaskIntoConstraints = false
        view.addSubview(deniedLabel)
        NSLayoutConstraint.activate([
            deniedLabel.centerYAnchor.constraint(equalTo: view.centerYAnchor),
            deniedLabel.leadingAnchor.constraint(equalTo: view.leadingAnchor, constant: 24),
            deniedLabel.trailingAnchor.constraint(equalTo: view.trailingAnchor, constant: -24),
        ])
    }

    override func viewDidLayoutSubviews() {
        super.viewDidLayoutSubviews()
        previewLayer?.frame = view.bounds
    }

    override func viewDidAppear(_ animated: Bool) {
        super.viewDidAppear(animated)
        visible = true
        startIfAllowed()
    }

    override func viewWillDisappear(_ animated: Bool) {
        super.viewWillDisappear(animated)
        visible = false
        stop()
    }

    func setScanning(_ scanning: Bool) {
        guard scanning != wantsScanning else { return }
        wantsScanning = scanning
        if scanning { startIfAllowed() } else { stop() }
    }

    private func startIfAllowed() {
        guard visible, wantsScanning else { return }
        switch AVCaptureDevice.authorizationStatus(for: .video) {
        case .authorized:
            deniedLabel.isHidden = true
            start()
        case .notDetermined:
            AVCaptureDevice.requestAccess(for: .video) { [weak self] _ in
                DispatchQueue.main.async { self?.startIfAllowed() }
            }
        default:
            deniedLabel.text = deniedText
            deniedLabel.isHidden = false
        }
    }

    private func start() {
        sessionQueue.async { [weak self] in
            guard let self else { return }
            if !self.configured { self.configured = self.configure() }
            if self.configured && !self.session.isRunning { self.session.startRunning() }
        }
    }

    private func stop() {
        sessionQueue.async { [session] in
            if session.isRunning { session.stopRunning() }
        }
    }

    /// Back camera in, QR metadata out. Runs on sessionQueue.
    private func configure() -> Bool {
        guard let camera = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back)
            ?? AVCaptureDevice.default(for: .video),
            let input = try? AVCaptureDeviceInput(device: camera)
        else { return false }
        session.beginConfiguration()
        defer { session.commitConfiguration() }
        guard session.canAddInput(input) else { return false }
        session.addInput(input)
        let output = AVCaptureMetadataOutput()
        guard session.canAddOutput(output) else { return false }
        session.addOutput(output)
        output.setMetadataObjectsDelegate(self, queue: .main)
        output.metadataObjectTypes = [.qr]
        return true
    }

    func metadataOutput(_ output: AVCaptureMetadataOutput, didOutput metadataObjects: [AVMetadataObject],
                        from connection: AVCaptureConnection) {
        guard wantsScanning,
              let code = metadataObjects
                  .compactMap({ $0 as? AVMetadataMachineReadableCodeObject })
                  .first(where: { $0.type == .qr }),
              let text = code.stringValue
        else { return }
        wantsScanning = false
        stop()
        UINotificationFeedbackGenerator().notificationOccurred(.success)
        onCode?(text)
    }
}
