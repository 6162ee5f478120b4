// The app imports only EhrenamtskarteKit; the core's types (WalletCard, Lang, InvalidReason,
// the error enums, ...) come with it.
@_exported import EhkCore
