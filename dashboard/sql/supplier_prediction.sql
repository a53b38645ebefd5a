-- One supplier's row of marts.supplier_risk: the score joined to the incident model's predicted probability (one row).
select * from marts.supplier_risk where supplier_id = $supplier_id
