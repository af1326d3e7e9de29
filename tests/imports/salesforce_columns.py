"""Column names of Salesforce's Data Export files, as the preset expects them (tests that
write their own export files share them)."""

ACCOUNT_COLUMNS = [
    "Id",
    "Name",
    "Website",
    "Industry",
    "NumberOfEmployees",
    "AnnualRevenue",
    "BillingCountry",
    "OwnerId",
    "Type",
    "Rating",
]
