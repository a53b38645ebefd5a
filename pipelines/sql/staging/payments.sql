-- Payments, cleaned: one row per payment; amounts in the reporting currency (USD).
-- A payment is in its purchase order's currency, converted at the month's rate of reference.fx_rates on the
-- payment date (macro fx_units_per_usd); the original amount, the currency and the rate used stay on the row.
-- A payment whose kind is blank (a bank transfer whose reference says neither deposit nor balance) is read from the
-- amounts, in the order's currency, defined once here: the payment that brings what was paid on the order to its
-- value (within kpi setting paid_in_full_tolerance_pct) is its balance; the order's first payment, below that, its
-- deposit; any other payment (or one of an order without a value), other. Earlier payments are those paid before it (same day: a smaller payment_id).
with source as (
    select * from raw.payments
),

purchase_orders as (
    select * from raw.purchase_orders
),

kpi_settings as (
    select * from reference.kpi_settings
),

priced as (
    select
        source.*,
        currency_code(purchase_orders.currency) as currency_code,
        purchase_orders.quantity * purchase_orders.unit_price as order_value_original,
    from source
    left join purchase_orders on trim(purchase_orders.po_id) = trim(source.po_id)
),

-- what was paid on the order before each payment, in the order's currency
running as (
    select
        priced.*,
        coalesce(sum(priced.amount) over (
            partition by trim(priced.po_id) order by priced.paid_on, trim(priced.payment_id)
            rows between unbounded preceding and 1 preceding
        ), 0) as paid_before,
    from priced
),

-- a NULL share (the setting missing) leaves a blank kind NULL, which checks/payment_kinds_known.sql reports
settings as (
    select max(cast(value as double) / 100) filter (where setting = 'paid_in_full_tolerance_pct') as tolerance_share,
    from kpi_settings
),

kinds as (
    select
        running.*,
        running.kind is null as is_kind_read_from_amounts,
        case
            when running.kind is not null then running.kind
            when running.order_value_original is null then 'other'
            when settings.tolerance_share is null then null
            when running.paid_before + running.amount
                >= running.order_value_original * (1 - settings.tolerance_share)
                and running.paid_before < running.order_value_original * (1 - settings.tolerance_share)
                then 'balance'
            when running.paid_before = 0 then 'deposit'
            else 'other'
        end as kind_paid,
    from running
    cross join settings
),

-- the FX rule: pipelines/sql/macros.sql
converted as (
    select
        kinds.*,
        fx_units_per_usd(kinds.currency_code, kinds.paid_on) as fx_units_per_usd,
    from kinds
),

final as (
    select
        trim(payment_id) as payment_id,
        trim(po_id) as po_id,
        paid_on,
        amount / fx_units_per_usd as amount,
        currency_code as currency,
        amount as amount_original,
        fx_units_per_usd,
        kind_paid as kind,
        is_kind_read_from_amounts,
        nullif(trim(payee_name), '') as payee_name,
        channel,
        is_outside_trade_assurance(channel) as is_outside_trade_assurance,
        nullif(trim(bank_account_id), '') as bank_account_id,
    from converted
)

select * from final
