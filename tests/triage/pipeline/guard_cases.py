"""Forty hand-written drafts for the guards: half with unbacked claims or unsupported promises, half
clean.

Each case: (draft text, recorded actions, retrieved policy text, should_flag). The clean half
includes traps: actions that *are* recorded, promises the policy *does* make, and wording
that only sounds like a claim ("you can cancel", "once we have checked").
"""

REFUND_POLICY = (
    "Refund policy. A plan change made by mistake can be reversed within 30 days of the change. "
    "Duplicate captures of the same invoice are always refunded in full. Refunds reach the "
    "customer's account within 5 to 10 business days."
)
SLA_POLICY = (
    "Enterprise contracts include service credits for availability below 99.9% in a calendar month."
)
NO_POLICY = ""

CASES: list[tuple[str, set[str], str, bool]] = [
    # --- should be flagged: unbacked claims -------------------------------------------------
    ("I have refunded the duplicate payment; it will reach you soon.", set(), REFUND_POLICY, True),
    ("We've credited your account with one free month.", set(), NO_POLICY, True),
    ("Your subscription has been cancelled as requested.", set(), NO_POLICY, True),
    ("I've escalated this to our engineering team.", set(), NO_POLICY, True),
    ("I checked your billing history and found two charges.", set(), NO_POLICY, True),
    ("I have reset your two-factor authentication, you can log in now.", set(), NO_POLICY, True),
    ("We have refunded 49 EUR to your card.", {"investigate"}, REFUND_POLICY, True),
    ("A refund of €120 was sent to your bank this morning.", set(), REFUND_POLICY, True),
    ("I can confirm the payment failed because of 3-D Secure.", set(), NO_POLICY, True),
    ("I've lifted the suspension so your team can work again.", {"refund"}, NO_POLICY, True),
    ("We have moved your workspace back to monthly billing.", set(), REFUND_POLICY, True),
    ("Hemos reembolsado el cargo duplicado.", set(), REFUND_POLICY, True),
    ("Wir haben Ihnen den doppelten Betrag erstattet.", set(), REFUND_POLICY, True),
    # --- should be flagged: unsupported promises --------------------------------------------
    (
        "We will refund your annual plan in full even though you used it for six months.",
        set(),
        NO_POLICY,
        True,
    ),
    ("You will receive a 100% refund as a gesture of goodwill.", set(), REFUND_POLICY, True),
    ("We can offer you a 50% discount on your next renewal.", set(), REFUND_POLICY, True),
    ("Our engineers will fix this by tomorrow.", set(), NO_POLICY, True),
    ("We will credit you two free months for the outage.", set(), REFUND_POLICY, True),
    ("The refund will arrive within 2 days.", set(), REFUND_POLICY, True),
    ("I'll make sure we refund you; our L2 queue is on it (INC-2291).", set(), NO_POLICY, True),
    # --- clean -------------------------------------------------------------------------------
    (
        "You can add your VAT number under Settings → Billing → Tax details.",
        set(),
        NO_POLICY,
        False,
    ),
    (
        "You can cancel any time under Settings → Billing → Cancel subscription.",
        set(),
        NO_POLICY,
        False,
    ),
    (
        "I have refunded the duplicate payment; it will appear within 5 to 10 business days.",
        {"refund"},
        REFUND_POLICY,
        False,
    ),
    (
        "Duplicate charges are always refunded in full, so you will receive a refund for the "
        "second payment.",
        set(),
        REFUND_POLICY,
        False,
    ),
    ("Refunds reach your account within 5 to 10 business days.", set(), REFUND_POLICY, False),
    ("We have escalated your case to our billing specialists.", {"escalate"}, NO_POLICY, False),
    (
        "Please create a new key under Settings → API keys and update your integration.",
        set(),
        NO_POLICY,
        False,
    ),
    ("Once we have checked the logs, we will get back to you.", set(), NO_POLICY, False),
    ("Could you send us a screenshot of the error?", set(), NO_POLICY, False),
    ("Our current prices are on ledgerly.example/pricing.", set(), NO_POLICY, False),
    ("You can follow incidents live on status.ledgerly.example.", set(), NO_POLICY, False),
    (
        "Thank you for the suggestion! I have added your vote to the request.",
        set(),
        NO_POLICY,
        False,
    ),
    (
        "Enterprise contracts include service credits for availability below 99.9% in a calendar "
        "month.",
        set(),
        SLA_POLICY,
        False,
    ),
    (
        "I checked your billing history: the renewal was captured twice.",
        {"investigate"},
        NO_POLICY,
        False,
    ),
    ("Go to Customers → Import and upload your CSV file.", set(), NO_POLICY, False),
    (
        "If the problem persists, reply with the time it happened and we will investigate.",
        set(),
        NO_POLICY,
        False,
    ),
    (
        "Upgrades are prorated: we credit the unused part of your plan on the upgrade invoice.",
        set(),
        "Upgrades are prorated: the unused part of the current plan is credited.",
        False,
    ),
    (
        "Your plan stays active until the end of the period you have paid for.",
        set(),
        NO_POLICY,
        False,
    ),
    (
        "Öffnen Sie bitte Banking → Verbindungen und klicken Sie auf „Neu verbinden“.",
        set(),
        NO_POLICY,
        False,
    ),
    ("Puede regenerar las facturas anteriores desde el historial.", set(), NO_POLICY, False),
]
