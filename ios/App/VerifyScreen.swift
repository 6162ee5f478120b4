import EhrenamtskarteKit
import SwiftUI

/// The shop's check: scan, then the core's verdict large in green or red, with the holder's
/// name to compare with a photo ID and the core's reason or notes. Works offline.
struct VerifyScreen: View {
    @EnvironmentObject private var model: AppModel
    @State private var result: VerificationDisplay?

    var body: some View {
        Group {
            if let verifier = model.verifier {
                ZStack {
                    QRScannerView(isScanning: result == nil, deniedText: model.text.cameraDenied) { text in
                        result = verifier.check(text, lang: model.lang)
                    }
                    .ignoresSafeArea(edges: .horizontal)
                    if let result {
                        VerificationResultView(result: result, text: model.text) {
                            self.result = nil
                        }
                        .transition(.opacity)
                    }
                }
            } else {
                Text(model.text.verifierUnavailable)
                    .multilineTextAlignment(.center)
                    .padding()
            }
        }
        .navigationTitle(model.text.verifyTab)
        .navigationBarTitleDisplayMode(.inline)
    }
}

struct VerificationResultView: View {
    let result: VerificationDisplay
    let text: AppText
    let onNext: () -> Void

    private var color: Color { result.isValid ? .green : .red }

    var body: some View {
        VStack(spacing: 16) {
            Spacer()
            Image(systemName: result.isValid ? "checkmark.seal.fill" : "xmark.octagon.fill")
                .font(.system(size: 88, weight: .bold))
                .accessibilityHidden(true)
            Text(result.headline)
                .font(.system(size: 48, weight: .heavy))
            if let name = result.holderName {
                Text(name)
                    .font(.system(size: 34, weight: .semibold))
                    .multilineTextAlignment(.center)
                    .minimumScaleFactor(0.5)
            }
            Text(result.detail)
                .font(.title3.weight(.medium))
                .multilineTextAlignment(.center)
            ForEach(result.notes, id: \.self) { note in
                Text(note)
                    .font(.body)
                    .multilineTextAlignment(.center)
            }
            Spacer()
            Button(action: onNext) {
                Text(text.scanNext)
                    .font(.headline)
                    .frame(maxWidth: .infinity)
                    .padding()
                    .background(Color.white)
                    .foregroundStyle(color)
                    .clipShape(RoundedRectangle(cornerRadius: 12))
            }
        }
        .foregroundStyle(.white)
        .padding(24)
        .frame(maxWidth: .infinity, maxHeight: .infinity)
        .background(color.ignoresSafeArea())
        .accessibilityElement(children: .contain)
    }
}
