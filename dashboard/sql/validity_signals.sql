-- Validity report card: each signal's predictive value on the backtest's test orders, next to its points; one row
-- per signal.
select signal, pillar, max_points, n_orders, n_suppliers, n_incidents, share_with_points, auc, ci_low, ci_high,
    top_decile_lift, lift_with_points, verdict, version
from marts.validity_signals
