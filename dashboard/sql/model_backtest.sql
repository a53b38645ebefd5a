-- Backtest of the incident model and its comparators, pooled over the test folds (fold 0): one row per model.
select model_name, n_test, incident_rate_test, roc_auc, brier, top_decile_lift, test_start, test_end, model_version
from marts.model_backtest
where fold = 0
order by case model_name when 'model' then 0 when 'rule_score' then 1 else 2 end, model_name
