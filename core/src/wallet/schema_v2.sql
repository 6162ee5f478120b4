-- Wallet schema, version 2: when this wallet last verified each card (issuer signature, the
-- trust rule, issue time, revocation). NULL for a card stored by a version before the wallet
-- verified cards: such a card is listed, but its dates count for nothing until it is checked.
ALTER TABLE cards ADD COLUMN checked_at INTEGER;
