-- The KPI settings as the build used them (reference.kpi_settings): one row per setting.
select setting, value from reference.kpi_settings
