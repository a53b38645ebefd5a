-- Validity report card: observed vs predicted incident rate per risk band at the order date; one row per band.
select risk_band, n_orders, n_suppliers, n_incidents, observed_rate, ci_low, ci_high, mean_predicted, version
from marts.validity_band_calibration
