import EhrenamtskarteKit
import SwiftUI
import UIKit

/// Shows a card's QR code at the shop: a fresh code from the core every 30 seconds
/// (CardWallet.presentations), screen brightness up while it is shown. A card the core says
/// cannot be shown (`isUsable`: not yet valid, expired, or refused by the phone's lists) gets
/// its status line only, no code.
struct CardScreen: View {
    @EnvironmentObject private var model: AppModel
    @Environment(\.scenePhase) private var scenePhase
    let card: WalletCard

    @State private var presentation: Presentation?
    @State private var qrImage: UIImage?
    @State private var failure: String?
    @State private var brightness = BrightnessBoost()

    /// The card as the wallet lists it now: a sync since the list was shown may have refused it.
    private var current: WalletCard {
        model.cards.first { $0.cardId == card.cardId } ?? card
    }

    var body: some View {
        ScrollView {
            VStack(spacing: 16) {
                Text(card.holderName)
                    .font(.title.bold())
                    .multilineTextAlignment(.center)
                Text(current.status.text(lang: model.lang))
                    .foregroundStyle(current.status.isUsable ? Color.green : Color.red)
                if current.status.isUsable {
                    if let qrImage, let presentation {
                        Image(uiImage: qrImage)
                            .interpolation(.none)
                            .resizable()
                            .scaledToFit()
                            .padding(16)
                            .background(Color.white)
                            .frame(maxWidth: 360)
                            .accessibilityLabel(model.text.qrAccessibility)
                        if card.deviceBound {
                            RenewalCountdown(presentation: presentation, text: model.text)
                        }
                    } else if let failure {
                        Text(failure)
                            .foregroundStyle(.red)
                    } else {
                        ProgressView()
                            .frame(height: 240)
                    }
                    Text(card.deviceBound ? model.text.deviceBoundHint : model.text.staticHint)
                        .font(.footnote)
                        .foregroundStyle(.secondary)
                        .multilineTextAlignment(.center)
                }
            }
            .padding()
        }
        .navigationTitle(model.text.walletTab)
        .navigationBarTitleDisplayMode(.inline)
        // Restarts when the app comes back to the foreground: the stream then gives a fresh code at
        // once. Stops when the card is no longer usable.
        .task(id: scenePhase == .active && current.status.isUsable) { await showCodes() }
        .onAppear { brightness.raise() }
        .onDisappear { brightness.restore() }
        .onChange(of: scenePhase) { phase in
            if phase == .active { brightness.raise() } else { brightness.restore() }
        }
    }

    private func showCodes() async {
        guard scenePhase == .active, current.status.isUsable, let wallet = model.wallet else { return }
        do {
            for try await next in wallet.presentations(cardId: card.cardId) {
                presentation = next
                qrImage = QRCodeRenderer.image(for: next.qrText)
                failure = nil
            }
        } catch {
            failure = model.text.walletError(error)
        }
    }
}

/// "New code in N s", from the core's refresh time of the code on screen.
struct RenewalCountdown: View {
    let presentation: Presentation
    let text: AppText

    var body: some View {
        TimelineView(.periodic(from: .now, by: 1)) { context in
            let now = Int64(context.date.timeIntervalSince1970)
            let left = max(0, presentation.refreshAt - now)
            let total = max(1, presentation.refreshAt - presentation.shownAt)
            VStack(spacing: 4) {
                ProgressView(value: Double(left), total: Double(total))
                Text(text.renewsIn(left))
                    .font(.caption)
                    .monospacedDigit()
                    .foregroundStyle(.secondary)
            }
            .frame(maxWidth: 360)
        }
    }
}

/// Screen brightness to full while the code is shown (scanners read it better), and back.
@MainActor
struct BrightnessBoost {
    private var saved: CGFloat?

    private var screen: UIScreen? {
        UIApplication.shared.connectedScenes
            .compactMap { $0 as? UIWindowScene }
            .first { $0.activationState == .foregroundActive }?
            .screen
    }

    mutating func raise() {
        guard let screen else { return }
        if saved == nil { saved = screen.brightness }
        screen.brightness = 1.0
    }

    mutating func restore() {
        guard let saved, let screen else { return }
        screen.brightness = saved
        self.saved = nil
    }
}
