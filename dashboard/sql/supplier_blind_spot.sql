-- One supplier's inspection blind spot: escapes, defect-rate estimate and recommended plan (one row).
select * from marts.inspection_blind_spot where supplier_id = $supplier_id
