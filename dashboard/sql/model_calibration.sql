-- marts.model_calibration as built.
select * from marts.model_calibration
