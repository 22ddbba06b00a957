"""Resolved tickets of the fictional SaaS "Ledgerly" (online invoicing, subscriptions, bank feeds).

Each scenario is one recurring problem with several customer phrasings, the internal
resolution note and the reply that went out. ``resolved_tickets()`` expands them into
rows for the knowledge base (at least 150).
"""

from __future__ import annotations

# (category, subcategory, urgency, sentiment, [phrasings], resolution, response)
SCENARIOS: list[tuple[str, str, str, str, list[str], str, str]] = [
    (
        "billing",
        "double_charge",
        "P2",
        "frustrated",
        [
            "I was charged twice for my subscription this month, two identical payments of 49 EUR "
            "on my card.",
            "Your system billed me two times for the March invoice. Please fix this.",
            "There are two charges from Ledgerly on my credit card statement for the same plan.",
            "Duplicate payment taken for our Business plan renewal today.",
        ],
        "Payment provider retried after a timeout and both captures succeeded. Refunded the "
        "duplicate capture in the billing console; refund takes 5-10 business days.",
        "I checked your billing history and can confirm the renewal was captured twice because of "
        "a retry on our payment provider's side. I have refunded the duplicate payment; depending "
        "on your bank it will appear on your statement within 5 to 10 business days. The other "
        "payment covers your current period, so nothing else needs to be done on your side.",
    ),
    (
        "billing",
        "refund",
        "P3",
        "neutral",
        [
            "I upgraded to the annual plan by mistake yesterday, can I get a refund and go back "
            "to monthly?",
            "Please refund my annual subscription, I meant to pick the monthly option.",
            "Accidentally bought the yearly plan two days ago. Is a refund possible?",
            "Can I switch from annual back to monthly and get my money back? I purchased it this "
            "week.",
        ],
        "Within the 30-day refund window for plan changes. Refunded the annual charge pro rata, "
        "moved the workspace to monthly billing.",
        "No problem: plan changes made within the last 30 days can be reversed under our refund "
        "policy. I have moved your workspace back to monthly billing and refunded the annual "
        "payment; you will see the refund within 5 to 10 business days and your next monthly "
        "invoice on the usual date.",
    ),
    (
        "billing",
        "refund",
        "P3",
        "frustrated",
        [
            "I forgot to cancel and was charged for another year. I haven't used Ledgerly in "
            "months. I want a refund.",
            "The annual renewal went through although we stopped using the product. Can you "
            "refund it?",
            "We were auto-renewed for 12 months without a reminder. Please refund.",
            "Charged 468 EUR for a renewal we do not want. Refund please.",
        ],
        "Renewal reminder was sent 14 days before (confirmed in mail log). Policy allows a full "
        "refund of an annual renewal within 14 days of the charge when the workspace was not used "
        "since; refunded and cancelled.",
        "I'm sorry the renewal came as a surprise. Our renewal reminder went out 14 days before "
        "the charge, but as your workspace has not been used since the renewal and you contacted "
        "us within 14 days of it, you qualify for a full refund under our renewal policy. I have "
        "cancelled the subscription and issued the refund, which should reach your account within "
        "5 to 10 business days.",
    ),
    (
        "billing",
        "invoice",
        "P4",
        "neutral",
        [
            "How can I add our VAT number to the invoices?",
            "Our invoices are missing the company VAT ID, where do I enter it?",
            "Can you put our tax number on past invoices?",
            "Need our VAT registration number shown on the Ledgerly invoice for accounting.",
        ],
        "Pointed to Settings > Billing > Tax details; past invoices regenerate automatically once "
        "the VAT ID is saved.",
        "You can add your VAT number under Settings → Billing → Tax details. Once it is saved, "
        "all future invoices show it, and you can regenerate past invoices from the Billing "
        'history page with the "Regenerate PDF" button next to each invoice.',
    ),
    (
        "billing",
        "invoice",
        "P4",
        "neutral",
        [
            "Where can I download all our invoices from last year?",
            "I need copies of every Ledgerly invoice for our auditor.",
            "Is there a way to export all billing invoices as PDF at once?",
        ],
        "Billing history has a bulk 'Download all (ZIP)' action per year.",
        "All invoices are under Settings → Billing → Billing history. Choose the year at the top "
        'and click "Download all (ZIP)" to get every invoice of that year as PDF files in one '
        "archive.",
    ),
    (
        "billing",
        "plan_change",
        "P3",
        "neutral",
        [
            "We want to upgrade from Starter to Business, what happens to what we already paid?",
            "If I upgrade mid-month, am I charged the full price?",
            "How is the upgrade to the Business plan billed?",
            "Thinking about moving to a higher plan. Will I be double billed?",
        ],
        "Explained proration: unused time of the current plan is credited on the upgrade invoice.",
        "Upgrades are prorated: when you switch, we credit the unused part of your current plan "
        "and charge only the difference for the rest of the billing period. You can see the exact "
        "amount before confirming on Settings → Billing → Change plan.",
    ),
    (
        "billing",
        "plan_change",
        "P4",
        "neutral",
        [
            "How do I downgrade to the free plan?",
            "Can we go down from Business to Starter at the end of our term?",
            "I'd like to reduce our plan, we need fewer seats now.",
        ],
        "Downgrades take effect at the end of the current period; seats above the new plan's "
        "limit must be removed first.",
        "You can downgrade under Settings → Billing → Change plan. The new plan starts at the end "
        "of your current billing period, so you keep everything until then. If you have more "
        "users than the new plan allows, remove the extra seats first under Settings → Team.",
    ),
    (
        "billing",
        "payment_method",
        "P3",
        "neutral",
        [
            "Our company card expired, how do I update the payment method?",
            "Payment failed because the card on file is old. Where do I change it?",
            "Need to switch billing from credit card to SEPA direct debit.",
            "How can I change the card you charge every month?",
        ],
        "Settings > Billing > Payment method; failed invoices are retried automatically within "
        "24h of updating.",
        "You can update the card or switch to SEPA direct debit under Settings → Billing → "
        "Payment method. Any invoice that failed is retried automatically within 24 hours after "
        "you save the new payment method, so your account stays active.",
    ),
    (
        "billing",
        "payment_method",
        "P2",
        "frustrated",
        [
            "Our account was locked for non-payment but the card is fine!",
            "We got a 'payment overdue' banner and can't create invoices anymore, the card works "
            "everywhere else.",
            "Workspace suspended for failed payment, we need access restored today.",
        ],
        "Card declined by issuer with 3-D Secure requirement; customer re-authenticated via the "
        "billing page link; lifted suspension manually.",
        "The payment failed because your bank asked for an extra 3-D Secure confirmation, which "
        "can't be done automatically. I have lifted the suspension so you can work again right "
        'away. Please open Settings → Billing and click "Confirm payment" to approve the charge '
        "with your bank; after that no further action is needed.",
    ),
    (
        "billing",
        "cancellation",
        "P3",
        "neutral",
        [
            "How do I cancel my subscription?",
            "Please tell me how to stop the monthly payments.",
            "We no longer need Ledgerly. How can we end the subscription?",
            "Where is the cancel button for my plan?",
        ],
        "Explained self-service cancellation; data kept 90 days after cancellation.",
        "You can cancel any time under Settings → Billing → Cancel subscription. Your plan stays "
        "active until the end of the period you've paid for, and we keep your data for 90 days "
        "afterwards in case you change your mind. You can export everything from Settings → Data "
        "export before then.",
    ),
    (
        "technical",
        "outage",
        "P1",
        "angry",
        [
            "Ledgerly is down! Nobody in our team can log in, we get a 502 error.",
            "The app has been unreachable for 30 minutes, error 502 Bad Gateway. We cannot "
            "invoice anyone.",
            "Complete outage on our side, dashboard doesn't load at all.",
            "Is Ledgerly down? All pages time out.",
        ],
        "Incident INC-2291: load balancer misconfiguration after deploy, resolved after 47 "
        "minutes. Linked customer to status page and post-mortem.",
        "You were right: we had an outage between 09:12 and 09:59 UTC caused by a faulty "
        "configuration change on our load balancers. Service is fully restored and no data was "
        "lost. You can follow incidents live on status.ledgerly.example, and we will publish the "
        "post-mortem there within 48 hours.",
    ),
    (
        "technical",
        "bug",
        "P2",
        "frustrated",
        [
            "PDF invoices show the wrong currency symbol since yesterday, dollars instead of "
            "euros.",
            "Our invoices suddenly display $ although the workspace currency is EUR.",
            "Currency on generated PDFs is wrong after your update.",
        ],
        "Regression in PDF template v4.12 (ignored workspace currency). Hotfix deployed; affected "
        "PDFs regenerated automatically.",
        "Thank you for the report. A change to our PDF templates ignored the workspace currency "
        "for some invoices created yesterday. The fix is live, and all affected PDFs have been "
        "regenerated with the correct currency; invoices you already sent keep their amounts, "
        "only the symbol was wrong.",
    ),
    (
        "technical",
        "bug",
        "P3",
        "neutral",
        [
            "The invoice editor freezes when I add more than 50 line items.",
            "Adding many lines to an invoice makes the page unresponsive.",
            "Browser hangs on invoices with lots of items.",
        ],
        "Known issue with the live total recalculation; workaround is CSV import of line items, "
        "fix scheduled.",
        "This is a known issue with how the editor recalculates totals on very long invoices. "
        'Until the fix ships, you can import the line items from a CSV file via the "Import '
        'lines" button in the editor, which handles thousands of items without slowing down.',
    ),
    (
        "technical",
        "api",
        "P2",
        "frustrated",
        [
            "Our API calls return 401 Unauthorized since this morning, we didn't change anything.",
            "API key suddenly rejected with 401, integration is broken.",
            "Getting 'invalid_api_key' on every request to /v2/invoices.",
            "All requests to your REST API fail with authentication errors.",
        ],
        "Key was rotated by a workspace admin (audit log). Customer created a new key under "
        "Settings > API.",
        "I checked the audit log of your workspace: the API key in use was revoked this morning "
        "by one of your workspace admins. Please create a new key under Settings → API keys and "
        "update your integration; requests will work again immediately. Keys can be scoped to "
        "read-only if that suits the integration.",
    ),
    (
        "technical",
        "api",
        "P3",
        "neutral",
        [
            "What is the rate limit of the API? We get 429 responses.",
            "Too Many Requests errors when syncing invoices via API.",
            "How many API requests per minute are allowed?",
            "Our batch job hits 429 errors from the Ledgerly API.",
        ],
        "Rate limit 600 requests/minute per key; advised exponential backoff and the bulk "
        "endpoint.",
        "The API allows 600 requests per minute per key; above that it answers 429 with a "
        "Retry-After header. Please back off for the number of seconds given there, and for large "
        "syncs use the bulk endpoint POST /v2/invoices/batch, which takes up to 100 invoices per "
        "request.",
    ),
    (
        "technical",
        "api",
        "P3",
        "neutral",
        [
            "Webhooks stopped arriving at our endpoint.",
            "We no longer receive invoice.paid webhooks.",
            "Our webhook endpoint got disabled, why?",
        ],
        "Endpoint was auto-disabled after 3 days of failures (TLS certificate expired). Customer "
        "renewed cert and re-enabled the endpoint.",
        "Your webhook endpoint was disabled automatically after failing for three days: "
        "deliveries were rejected because its TLS certificate had expired. Once the certificate "
        "is renewed, re-enable the endpoint under Settings → Webhooks; you can replay the missed "
        "events from the same page.",
    ),
    (
        "technical",
        "integration",
        "P2",
        "frustrated",
        [
            "Bank feed stopped syncing, no transactions since Friday.",
            "Our bank connection shows 'reauthorisation required' and nothing imports.",
            "Transactions from our business account are not coming into Ledgerly anymore.",
            "Bank sync broken for three days.",
        ],
        "PSD2 consent expired after 90 days; customer re-authorised the connection; missed "
        "transactions backfilled.",
        "European banks require the bank-feed consent to be renewed every 90 days, and yours "
        'expired on Friday. Please open Banking → Connections and click "Reconnect"; after you '
        "confirm with your bank, we import every transaction missed since then automatically.",
    ),
    (
        "technical",
        "performance",
        "P3",
        "frustrated",
        [
            "The reports page takes over a minute to load.",
            "Dashboard is extremely slow for our workspace.",
            "Everything is sluggish when I open the revenue report.",
        ],
        "Workspace had 400k transactions without date filter; default report range set to 12 "
        "months; index added.",
        "Your workspace has a very large transaction history, and the revenue report was loading "
        "all of it by default. I have set the default range to the last 12 months, which brings "
        "the page back under two seconds; you can still pick a longer range when you need it.",
    ),
    (
        "technical",
        "data_sync",
        "P2",
        "frustrated",
        [
            "Payments marked as paid in Ledgerly don't show up in our accounting export.",
            "The accounting export is missing invoices from last week.",
            "Some invoices are not in the DATEV export.",
        ],
        "Export job skipped invoices edited after finalisation; re-ran export for the period.",
        "Invoices that were edited after being finalised were skipped by the export job for that "
        "period. I have re-run the export for last week, and the complete file is now available "
        "under Reports → Exports. We are fixing the job so this cannot happen again.",
    ),
    (
        "technical",
        "bug",
        "P3",
        "neutral",
        [
            "Recurring invoices were not sent on the 1st this month.",
            "Our monthly recurring invoice didn't go out automatically.",
            "Scheduled invoices did not trigger.",
        ],
        "Recurring profile paused after customer's email bounced; resumed after updating the "
        "address.",
        "The recurring profile was paused automatically because the last invoice email to your "
        'customer bounced. After you update the recipient address on the profile, click "Resume"; '
        'you can also send this month\'s invoice right away with "Send now".',
    ),
    (
        "account",
        "login",
        "P2",
        "frustrated",
        [
            "I can't log in, the password reset email never arrives.",
            "Password reset link doesn't come through, I checked spam.",
            "Locked out, no reset email received.",
            "Reset password mail is not arriving at my work address.",
        ],
        "Address was on suppression list after a bounce; removed it and re-sent reset link.",
        "Your address had been blocked on our side after an earlier delivery failure, so reset "
        "emails were not sent. I have removed the block; please request a new reset link from the "
        "login page and it should arrive within a minute.",
    ),
    (
        "account",
        "two_factor",
        "P2",
        "frustrated",
        [
            "I lost my phone and can't log in because of two-factor authentication.",
            "New phone, authenticator app is empty, can't get into Ledgerly.",
            "2FA codes don't work anymore after I reset my phone.",
            "How do I disable two-factor if I no longer have my device?",
        ],
        "Verified identity via workspace owner confirmation; reset 2FA; advised backup codes.",
        "For your security we can only reset two-factor authentication after verifying your "
        "identity. Please ask the owner of your workspace to confirm the request by replying to "
        "this email from their address; we will then reset 2FA so you can set it up on your new "
        "phone. Afterwards, please store the backup codes shown during setup.",
    ),
    (
        "account",
        "sso",
        "P2",
        "neutral",
        [
            "How do we set up SAML SSO with Okta?",
            "We want our users to log in with Azure AD. Is SSO supported?",
            "Can Ledgerly use our identity provider for login?",
        ],
        "SSO on Enterprise plan; sent SAML setup guide and metadata URL.",
        "SAML single sign-on is available on the Enterprise plan and works with Okta, Azure AD "
        "and any SAML 2.0 identity provider. The setup guide is in Settings → Security → Single "
        "sign-on, where you also find our metadata URL; once your identity provider is configured "
        "you can test the connection before enforcing it for all users.",
    ),
    (
        "account",
        "permissions",
        "P3",
        "neutral",
        [
            "How can I give our accountant read-only access?",
            "I want to invite a bookkeeper who should not create invoices.",
            "Which role lets someone see reports but not change anything?",
            "Can we restrict a user to viewing only?",
        ],
        "Explained the Viewer role and accountant invitations.",
        'Invite your accountant under Settings → Team → Invite and choose the "Viewer" role: they '
        "can open invoices, reports and exports but cannot create or change anything. Accountant "
        "seats on the Viewer role are free on every plan.",
    ),
    (
        "account",
        "permissions",
        "P3",
        "neutral",
        [
            "A former employee still has access, how do I remove them?",
            "How do I remove a user from our workspace?",
            "Need to revoke access for someone who left the company.",
        ],
        "Settings > Team > remove; their sessions end immediately; owned items transfer.",
        'Go to Settings → Team, open the person\'s menu and choose "Remove from workspace". Their '
        "sessions end immediately and anything they owned is transferred to you. You can also "
        "review their last actions in the audit log.",
    ),
    (
        "account",
        "data_export",
        "P3",
        "neutral",
        [
            "How can I export all our data from Ledgerly?",
            "We need a full export of invoices, customers and payments.",
            "Is there a way to download everything in CSV?",
        ],
        "Settings > Data export creates a ZIP of CSVs within ~10 minutes, link by email.",
        "Under Settings → Data export you can request a full export. We prepare a ZIP file with "
        "CSV files for invoices, customers, payments and transactions, usually within 10 minutes, "
        "and email you a download link that is valid for 7 days.",
    ),
    (
        "account",
        "data_deletion",
        "P2",
        "neutral",
        [
            "Please delete all my personal data under GDPR.",
            "I want my account and all my data erased.",
            "Request to exercise my right to erasure.",
        ],
        "Routed to privacy team; identity verified; deletion completed within 30 days per policy; "
        "confirmation sent.",
        "We have received your erasure request. To protect your data, we first confirm it came "
        "from you: please reply from the email address of the account. Once confirmed, your "
        "account and personal data are deleted within 30 days, as described in our data deletion "
        "policy, and we will send you a confirmation when it is done.",
    ),
    (
        "account",
        "security",
        "P1",
        "frustrated",
        [
            "I got an email about a login from a country I've never been to.",
            "Suspicious login alert on my account, it wasn't me.",
            "Someone logged into our workspace from an unknown device.",
        ],
        "Security team terminated sessions, forced password reset, enabled 2FA, reviewed audit "
        "log: no data exported.",
        "Thank you for reporting this right away. We have signed out all sessions on your account "
        "and reset your password; you will receive a link to set a new one. We reviewed the audit "
        "log and found no data exported or changed. Please turn on two-factor authentication "
        "under Settings → Security to prevent this in future.",
    ),
    (
        "feature_request",
        "reporting",
        "P4",
        "positive",
        [
            "It would be great to have a cash-flow forecast report.",
            "Any plans to add forecasting to the reports?",
            "Could you build a report that predicts next month's revenue?",
        ],
        "Logged as FR-118 (cash-flow forecast); 23 votes; on roadmap for Q3.",
        "Thanks for the suggestion! A cash-flow forecast is one of our most requested features "
        "and is on our roadmap. I have added your vote to the request, and we will let you know "
        "as soon as it is available in beta.",
    ),
    (
        "feature_request",
        "integrations",
        "P4",
        "neutral",
        [
            "Do you integrate with Shopify? It would save us a lot of time.",
            "Please add a Shopify integration.",
            "Is an integration with our online shop planned?",
        ],
        "Logged vote on FR-77 (Shopify); pointed to Zapier workaround.",
        "We don't have a native Shopify integration yet, and I have added your vote to that "
        "request. In the meantime, many customers connect Shopify orders to Ledgerly invoices "
        "through our Zapier app, which creates an invoice for every new order.",
    ),
    (
        "feature_request",
        "ui",
        "P4",
        "positive",
        [
            "A dark mode would be really nice.",
            "Please add a dark theme to the app.",
            "Could the interface support dark mode?",
        ],
        "Added vote to FR-201 (dark mode).",
        "Thank you for the idea! Dark mode is on our list, and I have added your vote to it. We "
        "will announce it in the product updates once it ships.",
    ),
    (
        "feature_request",
        "api",
        "P4",
        "neutral",
        [
            "Could the API support filtering invoices by updated date?",
            "We need an updated_since parameter on the invoices endpoint.",
            "Please add incremental sync to the API.",
        ],
        "updated_since already exists on /v2/invoices (docs unclear); docs updated.",
        "Good news: the invoices endpoint already supports this. Add updated_since with an ISO "
        "8601 timestamp, for example GET /v2/invoices?updated_since=2025-01-31T00:00:00Z, to "
        "receive only invoices changed since then. We have made this clearer in the API reference.",
    ),
    (
        "general",
        "how_to",
        "P4",
        "neutral",
        [
            "How do I add my logo to invoices?",
            "Where can I upload our company logo for the invoice template?",
            "Can I customise the invoice design with our branding?",
            "How to change the invoice template colours and logo?",
        ],
        "Settings > Branding.",
        "You can upload your logo and choose colours under Settings → Branding. The preview on "
        "the right shows how your invoices and emails will look, and changes apply to every new "
        "invoice.",
    ),
    (
        "general",
        "how_to",
        "P4",
        "neutral",
        [
            "How do I send a payment reminder to a client?",
            "Can Ledgerly remind customers automatically about overdue invoices?",
            "Is there an automatic dunning feature?",
        ],
        "Settings > Reminders for automatic schedule; manual reminder from invoice page.",
        "Yes: under Settings → Reminders you can turn on automatic reminders, for example 3 days "
        "before and 7 days after the due date. To send one right away, open the invoice and click "
        '"Send reminder".',
    ),
    (
        "general",
        "how_to",
        "P4",
        "neutral",
        [
            "How do I record a partial payment on an invoice?",
            "The client paid only half, how do I mark that?",
            "Can an invoice be partially paid?",
        ],
        "Invoice > Record payment with custom amount.",
        'Open the invoice and click "Record payment", then enter the amount you received. The '
        "invoice shows as partially paid with the remaining balance, and reminders are sent only "
        "for the open amount.",
    ),
    (
        "general",
        "pricing",
        "P4",
        "neutral",
        [
            "What does the Business plan cost for 10 users?",
            "Do you offer discounts for non-profits?",
            "How much is Ledgerly for a small team?",
            "Is there a discount if we pay yearly?",
        ],
        "Pointed to pricing page; annual billing saves two months; non-profit 30% discount via "
        "application form.",
        "Our current prices are on ledgerly.example/pricing: the Business plan is billed per user "
        "per month, and paying annually gives you two months free. Registered non-profits can "
        "apply for a 30% discount through the form linked at the bottom of the pricing page.",
    ),
    (
        "general",
        "feedback",
        "P4",
        "positive",
        [
            "Just wanted to say the new invoice editor is fantastic.",
            "Great job on the latest update, much faster!",
            "Your support team was very helpful last week, thank you.",
        ],
        "Thanked customer; forwarded feedback to product.",
        "Thank you so much for taking the time to write! I have shared your message with the team "
        "that built it. If there is anything else we can improve, we'd love to hear it.",
    ),
    (
        "general",
        "other",
        "P4",
        "neutral",
        [
            "Do you have a mobile app?",
            "Is Ledgerly available on iPhone?",
            "Can I create invoices from my phone?",
        ],
        "iOS and Android apps exist; links sent.",
        "Yes, Ledgerly has apps for iOS and Android. You can create and send invoices, record "
        'payments and scan receipts on the go; search for "Ledgerly" in the App Store or Google '
        "Play and log in with your usual account.",
    ),
    (
        "general",
        "how_to",
        "P4",
        "neutral",
        [
            "How do I import my customers from a spreadsheet?",
            "Can I upload a CSV of contacts?",
            "Bulk import of clients possible?",
        ],
        "Customers > Import from CSV, template provided.",
        "Go to Customers → Import and upload your CSV file. You can download a template from the "
        "same page; Ledgerly matches the columns automatically and shows a preview before "
        "anything is imported.",
    ),
    (
        "billing",
        "invoice",
        "P3",
        "frustrated",
        [
            "The invoice amount for this month is higher than last month, why?",
            "Why did our bill go up? We didn't change the plan.",
            "Unexpected increase on our Ledgerly invoice.",
        ],
        "Two seats were added mid-cycle by a workspace admin; explained per-seat proration.",
        "I looked into your invoice: two users were added to your workspace during the last "
        "period, and seats are billed pro rata from the day they are added. The invoice lists "
        "each added seat with its date; if those users are no longer needed, you can remove them "
        "under Settings → Team and the charge stops from the next period.",
    ),
    (
        "technical",
        "integration",
        "P3",
        "neutral",
        [
            "Zapier zap fails with 'invoice not found'.",
            "Our Zapier integration errors when creating invoices.",
            "The Zapier action 'Create invoice' keeps failing.",
        ],
        "Zap used a deleted customer id; advised to use 'Find or create customer' step.",
        'The zap fails because it refers to a customer that was deleted in Ledgerly. Add a "Find '
        'or create customer" step before "Create invoice" and use its customer id; the zap will '
        "then work for new and existing customers alike.",
    ),
    (
        "account",
        "login",
        "P3",
        "neutral",
        [
            "How do I change the email address I log in with?",
            "I need to update my login email.",
            "Can I change my account email?",
        ],
        "Profile > Email; confirmation to both addresses.",
        "You can change it under Profile → Email. We send a confirmation link to the new address "
        "and a notice to the old one; the change takes effect once you click the link.",
    ),
    (
        "feature_request",
        "reporting",
        "P4",
        "neutral",
        [
            "Can we schedule reports to be emailed every Monday?",
            "It would help if the revenue report could be sent to us automatically each week.",
            "Please add scheduled report emails.",
        ],
        "Logged vote on FR-143 (scheduled reports); suggested saved report + export link "
        "meanwhile.",
        "Scheduled report emails are not available yet; I have added your vote to that request. "
        "Meanwhile you can save the report with your filters and share its export link, which "
        "always returns the latest figures.",
    ),
    (
        "feature_request",
        "ui",
        "P4",
        "neutral",
        [
            "Could the invoice list show the customer's country as a column?",
            "Please let us choose which columns appear in the invoice list.",
            "I'd like to customise the columns of the invoice overview.",
        ],
        "Logged vote on FR-164 (configurable columns).",
        "Thank you for the suggestion. Choosing the columns of the invoice list is on our "
        "roadmap, and I have added your vote. For now, the CSV export of the list includes the "
        "customer's country.",
    ),
    (
        "technical",
        "bug",
        "P2",
        "frustrated",
        [
            "Emails with invoices are not being delivered to our customers.",
            "Our clients say they never got the invoice email.",
            "Invoice emails seem to disappear, recipients don't receive them.",
            "Sent invoices show as delivered but customers never see them.",
        ],
        "Customer's custom sending domain lost its DKIM record after a DNS change; re-verified "
        "the domain.",
        "The invoice emails were rejected by your customers' mail servers because the DKIM "
        "record of your custom sending domain disappeared after a DNS change. Please add the "
        "record shown under Settings → Email domain again; once it verifies (usually within an "
        'hour), you can resend the affected invoices from the invoice list with "Resend".',
    ),
    (
        "general",
        "how_to",
        "P4",
        "neutral",
        [
            "How do I issue a credit note?",
            "Customer returned goods, how do I correct a sent invoice?",
            "Can I cancel an invoice that was already sent?",
        ],
        "Explained credit notes (finalised invoices cannot be deleted).",
        "Sent invoices can't be deleted, for tax reasons, but you can correct them with a credit "
        'note: open the invoice and choose "Create credit note", then select the lines or amount '
        "to credit. The credit note is numbered and sent like an invoice.",
    ),
]


# Resolved tickets written in German, Spanish and French: (language, category, subcategory,
# urgency, sentiment, text, resolution, response).
LOCALISED: list[tuple[str, str, str, str, str, str, str, str]] = [
    (
        "de",
        "technical",
        "integration",
        "P2",
        "frustrated",
        "Die Bankverbindung synchronisiert seit Tagen nicht mehr, es steht 'Neuautorisierung "
        "erforderlich'.",
        "PSD2-Zustimmung nach 90 Tagen abgelaufen; Kunde hat neu verbunden.",
        "Europäische Banken verlangen alle 90 Tage eine neue Zustimmung für die Bankverbindung, "
        "und diese ist abgelaufen. Öffnen Sie bitte Banking → Verbindungen und klicken Sie auf "
        "„Neu verbinden“; nach der Bestätigung bei Ihrer Bank importieren wir alle fehlenden "
        "Umsätze automatisch.",
    ),
    (
        "de",
        "billing",
        "plan_change",
        "P3",
        "neutral",
        "Wir möchten auf einen höheren Tarif wechseln. Wird der laufende Monat doppelt berechnet?",
        "Upgrade anteilig berechnet.",
        "Ein Upgrade wird anteilig berechnet: Wir schreiben den ungenutzten Teil Ihres aktuellen "
        "Tarifs gut und berechnen nur die Differenz für den Rest des Abrechnungszeitraums. Den "
        "genauen Betrag sehen Sie vor dem Bestätigen unter Einstellungen → Abrechnung → Tarif "
        "ändern.",
    ),
    (
        "de",
        "general",
        "how_to",
        "P4",
        "neutral",
        "Wie kann ich unsere Kundenliste aus einer Excel- oder CSV-Datei importieren?",
        "Kunden → Import.",
        "Gehen Sie zu Kunden → Importieren und laden Sie Ihre CSV-Datei hoch. Eine Vorlage finden "
        "Sie auf derselben Seite; Ledgerly ordnet die Spalten automatisch zu und zeigt vor dem "
        "Import eine Vorschau.",
    ),
    (
        "de",
        "feature_request",
        "ui",
        "P4",
        "positive",
        "Ein Dark Mode wäre toll für unser Team.",
        "Stimme zu FR-201 hinzugefügt.",
        "Danke für die Anregung! Ein Dark Mode steht auf unserer Liste, und wir haben Ihre Stimme "
        "hinzugefügt. Wir kündigen ihn in den Produkt-Updates an, sobald er verfügbar ist.",
    ),
    (
        "es",
        "account",
        "login",
        "P2",
        "frustrated",
        "No me llega el correo para restablecer la contraseña, ya miré en spam.",
        "Dirección en lista de supresión; eliminada.",
        "Su dirección estaba bloqueada en nuestro sistema tras un error de entrega anterior, por "
        "eso no se enviaban los correos. Hemos quitado el bloqueo: solicite un nuevo enlace desde "
        "la página de inicio de sesión y debería llegar en un minuto.",
    ),
    (
        "es",
        "billing",
        "invoice",
        "P4",
        "neutral",
        "¿Dónde añado nuestro número de IVA para que salga en las facturas?",
        "Ajustes > Facturación > Datos fiscales.",
        "Puede añadir su número de IVA en Ajustes → Facturación → Datos fiscales. Una vez "
        "guardado aparece en todas las facturas nuevas, y puede regenerar las anteriores desde el "
        "historial con el botón «Regenerar PDF».",
    ),
    (
        "es",
        "billing",
        "invoice",
        "P4",
        "neutral",
        "¿Cómo descargo todas las facturas del año pasado para nuestro gestor?",
        "Historial de facturación, descarga ZIP.",
        "Todas las facturas están en Ajustes → Facturación → Historial. Elija el año y pulse "
        "«Descargar todo (ZIP)» para obtener todas las facturas de ese año en PDF en un solo "
        "archivo.",
    ),
    (
        "fr",
        "general",
        "how_to",
        "P4",
        "neutral",
        "Comment ajouter le logo de mon entreprise sur mes factures ?",
        "Paramètres > Image de marque.",
        "Vous pouvez importer votre logo et choisir vos couleurs dans Paramètres → Image de "
        "marque. L'aperçu à droite montre le rendu de vos factures et e-mails, et les changements "
        "s'appliquent à toutes les nouvelles factures.",
    ),
    (
        "fr",
        "general",
        "how_to",
        "P4",
        "neutral",
        "Mon client n'a payé qu'une partie de la facture, comment l'indiquer ?",
        "Facture > Enregistrer un paiement.",
        "Ouvrez la facture et cliquez sur « Enregistrer un paiement », puis saisissez le montant "
        "reçu. La facture apparaît comme partiellement payée avec le solde restant, et les "
        "relances ne portent que sur le montant dû.",
    ),
    (
        "fr",
        "technical",
        "bug",
        "P2",
        "frustrated",
        "Nos factures PDF affichent le symbole $ au lieu de € depuis hier.",
        "Régression du modèle PDF, corrigée.",
        "Merci pour votre signalement. Une modification de nos modèles PDF ignorait la devise de "
        "l'espace de travail pour certaines factures créées hier. La correction est en ligne et "
        "les PDF concernés ont été régénérés avec la bonne devise ; seuls les symboles étaient "
        "erronés, pas les montants.",
    ),
]


def resolved_tickets() -> list[dict]:
    """One knowledge row per phrasing, a stable external id and a spread of resolution dates."""
    rows = []
    for s_index, (
        category,
        subcategory,
        urgency,
        sentiment,
        phrasings,
        resolution,
        response,
    ) in enumerate(SCENARIOS):
        for p_index, text in enumerate(phrasings):
            rows.append(
                {
                    "external_id": f"demo-resolved-{s_index:03d}-{p_index}",
                    "text": text,
                    "resolution": resolution,
                    "response": response,
                    "category": category,
                    "subcategory": subcategory,
                    "urgency": urgency,
                    "sentiment": sentiment,
                    "days_ago": 3 + (s_index * 7 + p_index * 31) % 330,
                    "language": "en",
                }
            )
    for index, (
        language,
        category,
        subcategory,
        urgency,
        sentiment,
        text,
        resolution,
        response,
    ) in enumerate(LOCALISED):
        rows.append(
            {
                "external_id": f"demo-resolved-{language}-{index:02d}",
                "text": text,
                "resolution": resolution,
                "response": response,
                "category": category,
                "subcategory": subcategory,
                "urgency": urgency,
                "sentiment": sentiment,
                "days_ago": 10 + index * 17,
                "language": language,
            }
        )
    return rows
