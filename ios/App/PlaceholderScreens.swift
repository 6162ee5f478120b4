import EhrenamtskarteKit
import SwiftUI

/// Regional news and offers (geofenced, decided by the core) come with a later issue.
struct NewsPlaceholderScreen: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        PlaceholderContent(systemImage: "newspaper", text: model.text.newsPlaceholder)
            .navigationTitle(model.text.newsTab)
    }
}

private struct PlaceholderContent: View {
    let systemImage: String
    let text: String

    var body: some View {
        VStack(spacing: 16) {
            Image(systemName: systemImage)
                .font(.system(size: 56))
                .foregroundStyle(.secondary)
                .accessibilityHidden(true)
            Text(text)
                .multilineTextAlignment(.center)
                .foregroundStyle(.secondary)
        }
        .padding(32)
        .frame(maxWidth: .infinity, maxHeight: .infinity)
    }
}
