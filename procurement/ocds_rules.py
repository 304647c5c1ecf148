"""OCDS 1.1 facts the reader and the exporter need, taken from the schemas in
``shared/ocds/schema/`` (OCDS 1.1.5 release schema with the bids extension applied as a JSON Merge
Patch; Apache 2.0, Open Contracting Partnership) so that nothing is read from a network or from
outside the package at run time.  ``tests/test_ocds_rules.py`` checks them against the schemas.
"""
from __future__ import annotations

#: ocdsmerge merge rules of the release schema with the bids extension (path → strategy).
MERGE_RULES: dict[tuple[str, ...], str] = {
    ('awards', 'amendment', 'changes'): 'wholeListMerge',
    ('awards', 'amendments', 'changes'): 'wholeListMerge',
    ('awards', 'documents', 'languages'): 'wholeListMerge',
    ('awards', 'documents', 'relatedItems'): 'wholeListMerge',
    ('awards', 'items', 'additionalClassifications'): 'wholeListMerge',
    ('awards', 'items', 'deliveryAddresses'): 'wholeListMerge',
    ('awards', 'items', 'deliveryLocations'): 'wholeListMerge',
    ('awards', 'relatedBids'): 'wholeListMerge',
    ('awards', 'suppliers', 'additionalIdentifiers'): 'wholeListMerge',
    ('bids', 'details', 'countriesOfOrigin'): 'wholeListMerge',
    ('bids', 'details', 'documents', 'languages'): 'wholeListMerge',
    ('bids', 'details', 'documents', 'relatedItems'): 'wholeListMerge',
    ('bids', 'details', 'identifiers'): 'wholeListMerge',
    ('bids', 'details', 'items', 'additionalClassifications'): 'wholeListMerge',
    ('bids', 'details', 'items', 'deliveryAddresses'): 'wholeListMerge',
    ('bids', 'details', 'items', 'deliveryLocations'): 'wholeListMerge',
    ('bids', 'details', 'relatedLots'): 'wholeListMerge',
    ('bids', 'details', 'tenderers', 'additionalIdentifiers'): 'wholeListMerge',
    ('buyer', 'additionalIdentifiers'): 'wholeListMerge',
    ('contracts', 'amendment', 'changes'): 'wholeListMerge',
    ('contracts', 'amendments', 'changes'): 'wholeListMerge',
    ('contracts', 'documents', 'languages'): 'wholeListMerge',
    ('contracts', 'documents', 'relatedItems'): 'wholeListMerge',
    ('contracts', 'identifiers'): 'wholeListMerge',
    ('contracts', 'implementation', 'documents', 'languages'): 'wholeListMerge',
    ('contracts', 'implementation', 'documents', 'relatedItems'): 'wholeListMerge',
    ('contracts', 'implementation', 'milestones', 'documents', 'languages'): 'wholeListMerge',
    ('contracts', 'implementation', 'milestones', 'documents', 'relatedItems'): 'wholeListMerge',
    ('contracts', 'implementation', 'transactions', 'payee', 'additionalIdentifiers'): 'wholeListMerge',
    ('contracts', 'implementation', 'transactions', 'payer', 'additionalIdentifiers'): 'wholeListMerge',
    ('contracts', 'items', 'additionalClassifications'): 'wholeListMerge',
    ('contracts', 'items', 'deliveryAddresses'): 'wholeListMerge',
    ('contracts', 'items', 'deliveryLocations'): 'wholeListMerge',
    ('contracts', 'milestones', 'documents', 'languages'): 'wholeListMerge',
    ('contracts', 'milestones', 'documents', 'relatedItems'): 'wholeListMerge',
    ('contracts', 'relatedBids'): 'wholeListMerge',
    ('contracts', 'relatedProcesses', 'relationship'): 'wholeListMerge',
    ('date',): 'omitWhenMerged',
    ('id',): 'omitWhenMerged',
    ('links',): 'omitWhenMerged',
    ('parties', 'additionalIdentifiers'): 'wholeListMerge',
    ('parties', 'details', 'classifications'): 'wholeListMerge',
    ('parties', 'roles'): 'wholeListMerge',
    ('planning', 'documents', 'languages'): 'wholeListMerge',
    ('planning', 'documents', 'relatedItems'): 'wholeListMerge',
    ('planning', 'milestones', 'documents', 'languages'): 'wholeListMerge',
    ('planning', 'milestones', 'documents', 'relatedItems'): 'wholeListMerge',
    ('planning', 'project', 'additionalClassifications'): 'wholeListMerge',
    ('planning', 'project', 'locations'): 'wholeListMerge',
    ('relatedProcesses', 'relationship'): 'wholeListMerge',
    ('tag',): 'omitWhenMerged',
    ('tender', 'additionalProcurementCategories'): 'wholeListMerge',
    ('tender', 'amendment', 'changes'): 'wholeListMerge',
    ('tender', 'amendments', 'changes'): 'wholeListMerge',
    ('tender', 'deliveryAddresses'): 'wholeListMerge',
    ('tender', 'deliveryLocations'): 'wholeListMerge',
    ('tender', 'documents', 'languages'): 'wholeListMerge',
    ('tender', 'documents', 'relatedItems'): 'wholeListMerge',
    ('tender', 'identifiers'): 'wholeListMerge',
    ('tender', 'items', 'additionalClassifications'): 'wholeListMerge',
    ('tender', 'items', 'deliveryAddresses'): 'wholeListMerge',
    ('tender', 'items', 'deliveryLocations'): 'wholeListMerge',
    ('tender', 'milestones', 'documents', 'languages'): 'wholeListMerge',
    ('tender', 'milestones', 'documents', 'relatedItems'): 'wholeListMerge',
    ('tender', 'procuringEntity', 'additionalIdentifiers'): 'wholeListMerge',
    ('tender', 'submissionMethod'): 'wholeListMerge',
    ('tender', 'tenderers', 'additionalIdentifiers'): 'wholeListMerge',
}

#: ISO 4217 codes of the currency codelist (closed).
CURRENCIES: tuple[str, ...] = (
    'AED', 'AFN', 'ALL', 'AMD', 'ANG', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN', 'BAM', 'BBD', 'BDT',
    'BGN', 'BHD', 'BIF', 'BMD', 'BND', 'BOB', 'BOV', 'BRL', 'BSD', 'BTN', 'BWP', 'BYN', 'BZD',
    'CAD', 'CDF', 'CHE', 'CHF', 'CHW', 'CLF', 'CLP', 'CNY', 'COP', 'COU', 'CRC', 'CUC', 'CUP',
    'CVE', 'CZK', 'DJF', 'DKK', 'DOP', 'DZD', 'EGP', 'ERN', 'ETB', 'EUR', 'FJD', 'FKP', 'GBP',
    'GEL', 'GHS', 'GIP', 'GMD', 'GNF', 'GTQ', 'GYD', 'HKD', 'HNL', 'HRK', 'HTG', 'HUF', 'IDR',
    'ILS', 'INR', 'IQD', 'IRR', 'ISK', 'JMD', 'JOD', 'JPY', 'KES', 'KGS', 'KHR', 'KMF', 'KPW',
    'KRW', 'KWD', 'KYD', 'KZT', 'LAK', 'LBP', 'LKR', 'LRD', 'LSL', 'LYD', 'MAD', 'MDL', 'MGA',
    'MKD', 'MMK', 'MNT', 'MOP', 'MRU', 'MUR', 'MVR', 'MWK', 'MXN', 'MXV', 'MYR', 'MZN', 'NAD',
    'NGN', 'NIO', 'NOK', 'NPR', 'NZD', 'OMR', 'PAB', 'PEN', 'PGK', 'PHP', 'PKR', 'PLN', 'PYG',
    'QAR', 'RON', 'RSD', 'RUB', 'RWF', 'SAR', 'SBD', 'SCR', 'SDG', 'SEK', 'SGD', 'SHP', 'SLL',
    'SOS', 'SRD', 'SSP', 'STN', 'SVC', 'SYP', 'SZL', 'THB', 'TJS', 'TMT', 'TND', 'TOP', 'TRY',
    'TTD', 'TWD', 'TZS', 'UAH', 'UGX', 'USD', 'USN', 'UYI', 'UYU', 'UYW', 'UZS', 'VES', 'VND',
    'VUV', 'WST', 'XAF', 'XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XCD', 'XDR', 'XOF', 'XPD',
    'XPF', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX', 'YER', 'ZAR', 'ZMW', 'ZWL', 'ADP', 'AFA', 'ALK',
    'AOK', 'AON', 'AOR', 'ARA', 'ARP', 'ARY', 'ATS', 'AYM', 'AZM', 'BAD', 'BEC', 'BEF', 'BEL',
    'BGJ', 'BGK', 'BGL', 'BOP', 'BRB', 'BRC', 'BRE', 'BRN', 'BRR', 'BUK', 'BYB', 'BYR', 'CHC',
    'CSD', 'CSJ', 'CSK', 'CYP', 'DDM', 'DEM', 'ECS', 'ECV', 'EEK', 'ESA', 'ESB', 'ESP', 'FIM',
    'FRF', 'GEK', 'GHC', 'GHP', 'GNE', 'GNS', 'GQE', 'GRD', 'GWE', 'GWP', 'HRD', 'IEP', 'ILP',
    'ILR', 'ISJ', 'ITL', 'LAJ', 'LSM', 'LTL', 'LTT', 'LUC', 'LUF', 'LUL', 'LVL', 'LVR', 'MGF',
    'MLF', 'MRO', 'MTL', 'MTP', 'MVQ', 'MXP', 'MZE', 'MZM', 'NIC', 'NLG', 'PEH', 'PEI', 'PES',
    'PLZ', 'PTE', 'RHD', 'ROK', 'ROL', 'RUR', 'SDD', 'SDP', 'SIT', 'SKK', 'SRG', 'STD', 'SUR',
    'TJR', 'TMM', 'TPE', 'TRL', 'UAK', 'UGS', 'UGW', 'USS', 'UYN', 'UYP', 'VEB', 'VEF', 'VNC',
    'XEU', 'XFO', 'XFU', 'XRE', 'YDD', 'YUD', 'YUM', 'YUN', 'ZAL', 'ZMK', 'ZRN', 'ZRZ', 'ZWC',
    'ZWD', 'ZWN', 'ZWR',
)

#: tenderStatus codelist (closed).
TENDER_STATUS: tuple[str, ...] = (
    'planning', 'planned', 'active', 'complete', 'cancelled', 'unsuccessful', 'withdrawn',
)

#: awardStatus codelist (closed).
AWARD_STATUS: tuple[str, ...] = (
    'pending', 'active', 'cancelled', 'unsuccessful',
)

#: contractStatus codelist (closed).
CONTRACT_STATUS: tuple[str, ...] = (
    'pending', 'active', 'terminated', 'cancelled',
)

#: method codelist (closed): tender.procurementMethod.
METHODS: tuple[str, ...] = (
    'open', 'selective', 'limited', 'direct',
)

#: bidStatus codelist of the bids extension (closed).
BID_STATUS: tuple[str, ...] = (
    'invited', 'pending', 'valid', 'disqualified', 'withdrawn',
)

#: partyRole codelist (open).
PARTY_ROLES: tuple[str, ...] = (
    'buyer', 'procuringEntity', 'supplier', 'tenderer', 'funder', 'enquirer', 'payer', 'payee',
    'reviewBody', 'interestedParty', 'contractImplementationManager', 'mediationBody',
    'processContactPoint', 'reviewContactPoint', 'informationService', 'privateParty', 'leadBank',
    'lender', 'equityInvestor', 'notifiedPotentialSupplier', 'wholesaleBuyer',
)
