-- Supplier risk at a glance: the rule score beside the model's next-order incident probability; one row per supplier.
with supplier_risk_score as (
    select * from marts.supplier_risk_score
),

incident_predictions as (
    select * from marts.incident_predictions
),

final as (
    select
        supplier_risk_score.supplier_id,
        supplier_risk_score.risk_score,
        supplier_risk_score.risk_band,
        supplier_risk_score.confidence,
        supplier_risk_score.red_flags,
        incident_predictions.predicted_incident_probability,
        supplier_risk_score.score_version,
        supplier_risk_score.as_of,
        supplier_risk_score.* exclude (supplier_id, risk_score, risk_band, confidence, red_flags, score_version, as_of),
        incident_predictions.model_version,
        incident_predictions.trained_on_window,
    from supplier_risk_score
    left join incident_predictions on supplier_risk_score.supplier_id = incident_predictions.supplier_id
)

select * from final
