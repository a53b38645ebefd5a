-- One row per supplier below the band its red flags force (marts.risk_band_levels, from risk_score.toml [bands]).
with scores as (
    select * from marts.supplier_risk_score
),

levels as (
    select * from marts.risk_band_levels
),

forced as (
    select
        scores.supplier_id,
        max(levels.band_rank) as forced_rank,
    from scores
    inner join levels on scores.red_flag_count >= levels.min_red_flags
    where scores.red_flag_count > 0
    group by scores.supplier_id
),

final as (
    select
        scores.supplier_id,
        scores.risk_score,
        scores.risk_band,
        scores.red_flag_count,
    from scores
    inner join forced on scores.supplier_id = forced.supplier_id
    left join levels on scores.risk_band = levels.band
    -- a band the configuration does not know is below every forced band
    where coalesce(levels.band_rank, -1) < forced.forced_rank
)

select * from final
