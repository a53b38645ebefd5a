-- Suppliers, cleaned: one row per supplier.
with source as (
    select * from raw.suppliers
),

final as (
    select
        trim(supplier_id) as supplier_id,
        trim(supplier_name) as supplier_name,
        supplier_type,
        supplier_type = 'trading_company' as is_trading_company,
        upper(trim(country)) as country,
        nullif(trim(province), '') as province,
        alibaba_store_years,
        coalesce(is_verified, false) as is_verified,
        coalesce(is_gold_supplier, false) as is_gold_supplier,
        nullif(trim(legal_name), '') as legal_name,
        nullif(upper(replace(trim(registration_id), ' ', '')), '') as registration_id,
        nullif(trim(bank_beneficiary), '') as bank_beneficiary,
        onboarded_on,
        last_audit_on,
        last_audit_result,
        -- blank background-check fields stay NULL: not checked is not "none found" (see records_checked_on)
        litigation_cases,
        admin_penalties,
        operating_status,
        subcontracting,
        coalesce(nnn_signed, false) as nnn_signed,
        mold_owner,
        registry_checked_on,
        records_checked_on,
        verified_type,
    from source
)

select * from final
