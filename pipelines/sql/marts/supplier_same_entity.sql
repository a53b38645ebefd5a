-- Suppliers that are one legal entity: two supplier records with the same registration id (a unified social credit
-- code names one legal entity) or the same legal name, letters and digits compared (case, spaces and punctuation
-- ignored: "Ningbo Alpha Co., Ltd." is "NINGBO ALPHA CO LTD"). Either the same supplier entered twice (its orders and
-- record split in two, each looking thinner than it is) or one company behind two stores (a factory store and a
-- trading store): then a second source bought from it is no second source. One row per supplier and other supplier
-- (both directions), with what they share; a registration id match is said before a name match.
with suppliers as (
    select
        supplier_id,
        supplier_name,
        legal_name,
        registration_id,
        nullif(upper(regexp_replace(registration_id, '[^\p{L}\p{N}]', '', 'g')), '') as registration_key,
        nullif(lower(regexp_replace(legal_name, '[^\p{L}\p{N}]', '', 'g')), '') as name_key,
    from staging.suppliers
),

pairs as (
    select
        one.supplier_id,
        other.supplier_id as other_supplier_id,
        other.supplier_name as other_supplier_name,
        case when one.registration_key = other.registration_key then 'registration_id' else 'legal_name' end
            as shared,
        case when one.registration_key = other.registration_key then other.registration_id else other.legal_name end
            as shared_value,
    from suppliers as one
    inner join suppliers as other
        on one.supplier_id <> other.supplier_id
        and (one.registration_key = other.registration_key or one.name_key = other.name_key)
)

select * from pairs
order by supplier_id, other_supplier_id
