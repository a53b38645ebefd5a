-- Calibration of the incident model: predicted against observed incident rate per decile (one row per model and bin).
select model_name, bin, mean_predicted, observed_rate, n
from marts.model_calibration
order by model_name, bin
