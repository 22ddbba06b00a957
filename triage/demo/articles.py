"""Knowledge-base articles of the fictional SaaS "Ledgerly": policies and how-tos, in Markdown."""

from __future__ import annotations

# (slug, title, kind, category, days since last review, markdown body)
ARTICLES: list[tuple[str, str, str, str, int, str]] = [
    (
        "refund-policy",
        "Refund policy",
        "policy",
        "billing",
        20,
        """# Refund policy

## Plan changes
A plan change made by mistake can be reversed within **30 days** of the change. We refund the difference pro rata to the original payment method.

## Annual renewals
An annual renewal is refunded in full when the customer asks within **14 days** of the charge and the workspace has not been used since the renewal. We send a renewal reminder 14 days before every annual renewal.

## Duplicate charges
Duplicate captures of the same invoice are always refunded in full, whatever their age.

## Outside the policy (internal)
Refunds outside these rules (for example an annual plan used for several months) are exceptions: only the Escalations team may approve them. Agents must not promise such a refund.

## Timing
Refunds reach the customer's account within 5 to 10 business days, depending on the bank.
""",
    ),
    (
        "sla-policy",
        "Support SLA policy",
        "policy",
        "general",
        15,
        """# Support SLA policy

## First response targets
| Urgency | Enterprise | Business | Self-serve |
|---|---|---|---|
| P1 (service down) | 1 hour, 24/7 | 2 hours, 24/7 | 4 hours |
| P2 (major feature broken) | 4 hours | 8 hours | 1 business day |
| P3 (question, minor bug) | 1 business day | 1 business day | 2 business days |
| P4 (feedback, how-to) | 3 business days | 3 business days | 5 business days |

## Business hours
Business hours are Monday to Friday, 09:00 to 17:00 CET. P1 incidents are handled around the clock.

## Credits
Enterprise contracts include service credits for availability below 99.9% in a calendar month, as defined in the customer's order form. Credits are never granted for missed response targets.
""",
    ),
    (
        "data-deletion",
        "Data deletion and erasure requests",
        "policy",
        "account",
        40,
        """# Data deletion and erasure requests

## Who can ask
The account holder for their personal data, and the workspace owner for the whole workspace.

## Verification
We confirm every request from the email address of the account before deleting anything. Requests from other addresses get a verification request, not a deletion.

## Timing
Personal data is erased within **30 days** of a verified request. Backups expire within a further 35 days.

## What we keep
Invoices already issued to third parties must be kept for the statutory retention period (10 years in Germany); they are anonymised where the law allows.
""",
    ),
    (
        "security-incident",
        "Suspected account compromise",
        "policy",
        "account",
        10,
        """# Suspected account compromise

## First steps
When a customer reports a login they do not recognise, the Security Response team signs out all sessions, forces a password reset and reviews the audit log.

## What agents must not do
Agents do not disclose audit-log details, IP addresses or other users' activity in a reply. Agents never ask for passwords or 2FA codes.

## Customer advice
Recommend turning on two-factor authentication and reviewing the list of API keys under Settings → API keys.
""",
    ),
    (
        "security-overview",
        "Security at Ledgerly",
        "policy",
        "account",
        95,
        """# Security at Ledgerly

## Encryption
All data is encrypted in transit (TLS 1.2+) and at rest (AES-256).

## Hosting
Ledgerly runs in EU data centres (Frankfurt and Dublin).

## Certifications
We hold ISO 27001 certification. The SOC 2 Type II report is available to Enterprise customers under NDA on request.

## Responsible disclosure
Security researchers can report vulnerabilities to security@ledgerly.example.
""",
    ),
    (
        "two-factor",
        "Two-factor authentication",
        "howto",
        "account",
        30,
        """# Two-factor authentication

## Turning it on
Go to Settings → Security → Two-factor authentication and scan the QR code with an authenticator app. Store the backup codes shown at the end.

## Lost device
Use a backup code to log in, then set up 2FA again. Without backup codes, the workspace owner must confirm the reset request by email before support can reset 2FA.

## Enforcing 2FA
Workspace owners can require 2FA for every member under Settings → Security.
""",
    ),
    (
        "sso-setup",
        "Setting up SAML single sign-on",
        "howto",
        "account",
        50,
        """# Setting up SAML single sign-on

## Availability
SSO is part of the Enterprise plan.

## Steps
1. Open Settings → Security → Single sign-on.
2. Copy our metadata URL into your identity provider (Okta, Azure AD or any SAML 2.0 provider).
3. Paste your provider's metadata URL back into Ledgerly.
4. Click **Test connection**, then **Enforce SSO** once the test succeeds.

## Troubleshooting
"Audience mismatch" errors mean the entity id in the provider does not match the one shown in Ledgerly.
""",
    ),
    (
        "api-authentication",
        "API authentication and keys",
        "howto",
        "technical",
        25,
        """# API authentication and keys

## Creating a key
Create keys under Settings → API keys. A key can be full access or read-only.

## Using a key
Send it as a bearer token: `Authorization: Bearer <key>`.

## 401 errors
A 401 means the key is missing, mistyped or revoked. Revocations are listed in the workspace audit log.
""",
    ),
    (
        "api-rate-limits",
        "API rate limits",
        "howto",
        "technical",
        25,
        """# API rate limits

## Limits
600 requests per minute per API key. Bulk endpoints count as one request.

## When you hit the limit
The API answers `429 Too Many Requests` with a `Retry-After` header in seconds. Back off for that long, with exponential backoff on repeated 429s.

## Bulk endpoint
`POST /v2/invoices/batch` accepts up to 100 invoices per request.
""",
    ),
    (
        "webhooks",
        "Webhooks",
        "howto",
        "technical",
        70,
        """# Webhooks

## Setting up
Add an endpoint under Settings → Webhooks and choose the events (invoice.created, invoice.paid, payment.failed, ...).

## Retries and disabling
Failed deliveries are retried with backoff for 3 days; after that the endpoint is disabled and the owner is emailed.

## Replaying events
Missed events can be replayed for up to 30 days from the endpoint's page.
""",
    ),
    (
        "bank-feeds",
        "Bank feeds and reconnecting",
        "howto",
        "technical",
        35,
        """# Bank feeds and reconnecting

## Why connections expire
Under PSD2, European banks require the customer to renew consent every 90 days.

## Reconnecting
Open Banking → Connections and click **Reconnect**, then confirm with your bank. Transactions missed in between are imported automatically.

## Unsupported banks
The list of supported banks is at Banking → Add connection; CSV import works for any bank.
""",
    ),
    (
        "invoice-branding",
        "Branding your invoices",
        "howto",
        "general",
        60,
        """# Branding your invoices

## Logo and colours
Upload a logo (PNG or SVG, up to 2 MB) and choose colours under Settings → Branding.

## Templates
Three templates are available: Classic, Modern and Compact. The preview shows invoices and emails.
""",
    ),
    (
        "payment-reminders",
        "Payment reminders",
        "howto",
        "general",
        45,
        """# Payment reminders

## Automatic reminders
Under Settings → Reminders, choose when reminders are sent (before and after the due date). Reminders stop when the invoice is paid.

## Manual reminder
Open the invoice and click **Send reminder**.
""",
    ),
    (
        "partial-payments",
        "Recording payments",
        "howto",
        "general",
        80,
        """# Recording payments

## Full and partial payments
Open the invoice and click **Record payment**, then enter the amount received. A partial payment leaves the invoice partially paid with the open balance.

## Bank matching
Payments from connected bank feeds are matched to invoices automatically by amount and reference.
""",
    ),
    (
        "credit-notes",
        "Credit notes and corrections",
        "howto",
        "general",
        55,
        """# Credit notes and corrections

## Why invoices cannot be deleted
Finalised invoices are legal documents and cannot be deleted.

## Creating a credit note
Open the invoice, choose **Create credit note** and select the lines or amount to credit. The credit note is numbered in its own sequence.
""",
    ),
    (
        "plans-and-billing",
        "Plans, upgrades and downgrades",
        "policy",
        "billing",
        20,
        """# Plans, upgrades and downgrades

## Upgrades
Upgrades take effect immediately and are prorated: the unused part of the current plan is credited.

## Downgrades
Downgrades take effect at the end of the current billing period. Seats above the new plan's limit must be removed first.

## Seats
Seats added during a period are billed pro rata from the day they are added.

## Pricing
Current prices are published on ledgerly.example/pricing. Annual billing includes two months free. Registered non-profits get 30% off after applying.
""",
    ),
    (
        "payment-methods",
        "Payment methods and failed payments",
        "howto",
        "billing",
        30,
        """# Payment methods and failed payments

## Supported methods
Credit cards and SEPA direct debit. Enterprise customers can pay by bank transfer on invoice.

## Failed payments
A failed invoice is retried after 1, 3 and 5 days. The workspace is suspended 7 days after the first failure. Updating the payment method retries the invoice within 24 hours.

## 3-D Secure
Some banks require the customer to confirm a charge. Use the **Confirm payment** button under Settings → Billing.
""",
    ),
    (
        "cancellation",
        "Cancelling a subscription",
        "policy",
        "billing",
        25,
        """# Cancelling a subscription

## How
Settings → Billing → Cancel subscription. The plan stays active until the end of the paid period.

## Data retention
Data is kept for 90 days after cancellation and then deleted. Export first under Settings → Data export.

## Retention offers
Only the Escalations team may offer discounts to customers who want to cancel.
""",
    ),
    (
        "data-export",
        "Exporting your data",
        "howto",
        "account",
        40,
        """# Exporting your data

## Full export
Settings → Data export prepares a ZIP of CSV files (invoices, customers, payments, transactions), usually within 10 minutes. The download link is valid for 7 days.

## Accounting exports
Reports → Exports offers DATEV and generic accounting formats per period.
""",
    ),
    (
        "team-roles",
        "Users and roles",
        "howto",
        "account",
        65,
        """# Users and roles

## Roles
- **Owner**: everything, including billing and deleting the workspace.
- **Admin**: everything except billing.
- **Member**: create and send invoices.
- **Viewer**: read-only access to invoices, reports and exports. Viewer seats are free.

## Removing a user
Settings → Team → the user's menu → **Remove from workspace**. Sessions end immediately.
""",
    ),
    (
        "status-and-incidents",
        "Service status and incidents",
        "policy",
        "technical",
        12,
        """# Service status and incidents

## Status page
Live status and incident history: status.ledgerly.example.

## During an incident
Agents link the status page and do not promise a time of resolution that the incident commander has not published.

## Post-mortems
Post-mortems for incidents longer than 30 minutes are published within 48 hours.
""",
    ),
    (
        "mobile-apps",
        "Mobile apps",
        "howto",
        "general",
        120,
        """# Mobile apps

## Platforms
Ledgerly has apps for iOS (16+) and Android (10+).

## What they do
Create and send invoices, record payments, scan receipts. Reports and settings are web only.
""",
    ),
    (
        "email-domain",
        "Sending invoices from your own domain",
        "howto",
        "technical",
        90,
        """# Sending invoices from your own domain

## Setup
Settings → Email domain shows the SPF and DKIM records to add to your DNS.

## Delivery problems
If the DKIM record disappears after a DNS change, emails are rejected by recipients. Add the record again and resend the affected invoices.
""",
    ),
]
