import EhrenamtskarteKit
import SwiftUI

/// Activating a card with the letter: type its code, or scan its QR code (the verify screen's
/// scanner). What was typed or scanned goes to the core unchanged; `ActivationDialogs` on the root
/// view shows the progress, the move question and the result.
struct ActivationSheet: View {
    @EnvironmentObject private var model: AppModel
    @Environment(\.dismiss) private var dismiss
    @State private var code = ""
    @State private var scanning = false

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Text(ActivationPrompt.typeCodeHint.text(lang: model.lang))
                    TextField(model.text.activationCode, text: $code)
                        .textInputAutocapitalization(.characters)
                        .autocorrectionDisabled()
                        .font(.body.monospaced())
                        .submitLabel(.go)
                        .onSubmit(submit)
                    Button(model.text.activate, action: submit)
                        .disabled(code.trimmingCharacters(in: .whitespaces).isEmpty)
                }
                Section {
                    if scanning {
                        QRScannerView(isScanning: scanning, deniedText: model.text.cameraDenied) { text in
                            scanning = false
                            activate(text)
                        }
                        .aspectRatio(1, contentMode: .fit)
                    } else {
                        Button(model.text.scanLetter) { scanning = true }
                    }
                }
            }
            .navigationTitle(model.text.activationTitle)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button(model.text.cancel) { dismiss() }
                }
            }
        }
    }

    private func submit() { activate(code) }

    /// The sheet closes first: the root view's dialogs (progress, move question, result) cannot
    /// show while a sheet covers it. After a typing error the holder opens the sheet again.
    private func activate(_ text: String) {
        dismiss()
        Task { await model.activate(text) }
    }
}

/// The activation's progress (with a cancel button), move question and result, wherever it
/// started (an opened link, the scanner, the typed code). A cancelled activation shows nothing:
/// the step is back to `.idle`.
struct ActivationDialogs: ViewModifier {
    @EnvironmentObject private var model: AppModel

    func body(content: Content) -> some View {
        content
            .overlay {
                if model.activationStep == .working {
                    VStack(spacing: 12) {
                        ProgressView(model.text.activating)
                        // Stops the activation; nothing is stored and no alert follows.
                        Button(model.text.cancel, role: .cancel) { model.cancelActivation() }
                    }
                    .padding()
                    .background(.regularMaterial, in: RoundedRectangle(cornerRadius: 12))
                }
            }
            .alert(model.text.activationTitle, isPresented: binding(for: .confirmMove)) {
                Button(ActivationPrompt.moveConfirm.text(lang: model.lang), role: .destructive) {
                    Task { await model.answerMove(true) }
                }
                Button(model.text.cancel, role: .cancel) {
                    Task { await model.answerMove(false) }
                }
            } message: {
                Text(ActivationPrompt.moveQuestion.text(lang: model.lang))
            }
            .alert(model.text.activationTitle, isPresented: resultShown) {
                Button(model.text.ok, role: .cancel) {
                    Task { await model.dismissActivation() }
                }
            } message: {
                Text(resultText)
            }
    }

    private var resultText: String {
        switch model.activationStep {
        case let .done(card, moved): return activatedText(holderName: card.holderName, moved: moved, lang: model.lang)
        case let .failed(problem): return problem.text(lang: model.lang)
        case .idle, .working, .confirmMove: return ""
        }
    }

    private var resultShown: Binding<Bool> {
        Binding(
            get: {
                switch model.activationStep {
                case .done, .failed: return true
                case .idle, .working, .confirmMove: return false
                }
            },
            set: { shown in if !shown { Task { await model.dismissActivation() } } }
        )
    }

    private func binding(for step: ActivationStep) -> Binding<Bool> {
        Binding(get: { model.activationStep == step }, set: { _ in })
    }
}
