import EhrenamtskarteKit
import SwiftUI

struct WalletListScreen: View {
    @EnvironmentObject private var model: AppModel
    @State private var adding = false
    @State private var activating = false

    var body: some View {
        List {
            if model.cards.isEmpty {
                Text(model.text.noCards)
                    .foregroundStyle(.secondary)
            }
            ForEach(model.cards, id: \.cardId) { card in
                NavigationLink {
                    CardScreen(card: card)
                } label: {
                    CardRow(card: card, lang: model.lang)
                }
            }
            .onDelete { offsets in
                let ids = offsets.map { model.cards[$0].cardId }
                Task { await model.remove(cardIds: ids) }
            }
        }
        .navigationTitle(model.text.walletTab)
        .toolbar {
            Button {
                activating = true
            } label: {
                Label(model.text.activateCard, systemImage: "envelope.open")
            }
            Button {
                adding = true
            } label: {
                Label(model.text.addCard, systemImage: "plus")
            }
        }
        .sheet(isPresented: $adding) {
            AddCardSheet()
        }
        .sheet(isPresented: $activating) {
            ActivationSheet()
        }
        .task { await model.reload() }
        .refreshable { await model.reload() }
        .alert(model.text.errorTitle, isPresented: Binding(
            get: { model.message != nil },
            set: { if !$0 { model.message = nil } }
        )) {
            Button(model.text.ok, role: .cancel) {}
        } message: {
            Text(model.message ?? "")
        }
    }
}

struct CardRow: View {
    let card: WalletCard
    let lang: Lang

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(card.holderName)
                .font(.headline)
            Text(card.status.text(lang: lang))
                .font(.subheadline)
                .foregroundStyle(card.status.isUsable ? Color.green : Color.red)
            if let until = card.validUntil {
                Text(lang == .de ? "bis \(until)" : "until \(until)")
                    .font(.caption)
                    .foregroundStyle(.secondary)
            }
        }
        .accessibilityElement(children: .combine)
    }
}

/// Scans the card's QR code (activation letter or paper card) into the wallet.
struct AddCardSheet: View {
    @EnvironmentObject private var model: AppModel
    @Environment(\.dismiss) private var dismiss
    @State private var scanning = true

    var body: some View {
        NavigationStack {
            VStack(spacing: 12) {
                QRScannerView(isScanning: scanning, deniedText: model.text.cameraDenied) { text in
                    scanning = false
                    Task {
                        if await model.add(qrText: text) {
                            dismiss()
                        } else {
                            scanning = true // the alert says why; scan again
                        }
                    }
                }
                .aspectRatio(1, contentMode: .fit)
                .clipShape(RoundedRectangle(cornerRadius: 12))
                Text(model.text.scanCardHint)
                    .multilineTextAlignment(.center)
                Spacer()
            }
            .padding()
            .navigationTitle(model.text.addCard)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button(model.text.cancel) { dismiss() }
                }
            }
        }
    }
}
