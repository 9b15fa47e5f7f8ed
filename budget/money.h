// Forwarding header: the money type lives in common/money.h (so config/ does
// not depend on budget/). Include that instead.
#ifndef LLMGW_BUDGET_MONEY_H_
#define LLMGW_BUDGET_MONEY_H_

#include "common/money.h"  // IWYU pragma: export

#endif  // LLMGW_BUDGET_MONEY_H_
