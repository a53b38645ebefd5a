-- The risk band of each supplier (one row per supplier), for the shared band filter.
select supplier_id, risk_band, risk_score from marts.supplier_risk_score
