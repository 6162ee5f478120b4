package de.ehrenamtskarte.app.ui

import androidx.compose.runtime.Composable
import androidx.compose.ui.res.stringResource
import de.ehrenamtskarte.app.R
import de.ehrenamtskarte.core.CardType
import de.ehrenamtskarte.kit.WalletProblem

@Composable
fun problemText(problem: WalletProblem): String = stringResource(
    when (problem) {
        WalletProblem.CARD_NOT_FOUND -> R.string.problem_card_not_found
        WalletProblem.INVALID_CARD -> R.string.problem_invalid_card
        WalletProblem.CARD_REFUSED -> R.string.problem_card_refused
        WalletProblem.NOT_NEWER_THAN_STORED -> R.string.problem_not_newer
        WalletProblem.WRONG_DEVICE -> R.string.problem_wrong_device
        WalletProblem.KEY_STORE_UNAVAILABLE -> R.string.problem_key_store
        WalletProblem.STORAGE -> R.string.problem_storage
        WalletProblem.INVALID_ARGUMENT -> R.string.problem_invalid_argument
        WalletProblem.ACTIVATION -> R.string.problem_activation
    },
)

@Composable
fun cardTypeText(type: CardType): String = stringResource(
    when (type) {
        CardType.STANDARD -> R.string.card_type_standard
        CardType.GOLD -> R.string.card_type_gold
    },
)
