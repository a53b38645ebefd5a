-- One supplier's current risk score with its pillar points, red flags and top reasons (one row).
select * from marts.supplier_risk_score where supplier_id = $supplier_id
