-- Incident model and rule score against the naive baseline on the pooled test orders: one row per compared model.
select model_name, baseline_name, n_test, n_suppliers, auc_difference, ci_low, ci_high, share_not_better, n_resamples
from marts.model_comparison
order by model_name
