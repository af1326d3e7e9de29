from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from traseu.core.models import Team
from traseu.processes.models import ProcessVersion


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
    CHAMPION = "champion", _("Champion")
    INFLUENCER = "influencer", _("Influencer")
    TECHNICAL_BUYER = "technical_buyer", _("Technical buyer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    OTHER = "other", _("Other")


class Account(models.Model):
    """A company: a prospect, a customer, or both over time.

    ``version`` counts every edit, so a writer holding a stale copy is refused.
    """

    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("web domain"), max_length=200, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    country = models.CharField(_("country"), max_length=2, blank=True, help_text="ISO 3166")
    is_customer = models.BooleanField(_("existing customer"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("owner"),
    )
    # The account manager who looks after the customer once a deal is won; they see this
    # account with its deals, contacts and activities (traseu.crm.access).
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_accounts",
        verbose_name=_("account manager"),
    )
    custom = models.JSONField(_("custom attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("account"),
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    custom = models.JSONField(_("custom attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class DealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Deal(models.Model):
    """A deal running along one version of a process.

    ``stage`` is a stage key of ``process_version``; only the transition service changes it,
    together with ``status``, ``probability`` and ``stage_entered_at``. ``version`` counts
    every write, so a writer holding a stale copy is refused instead of overwriting.
    """

    title = models.CharField(_("title"), max_length=200)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="deals", verbose_name=_("account")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="deals",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("team"),
    )
    contacts: models.ManyToManyField[Contact, DealContact] = models.ManyToManyField(
        Contact, through="DealContact", related_name="deals"
    )
    process_version = models.ForeignKey(
        ProcessVersion,
        on_delete=models.PROTECT,
        related_name="deals",
        verbose_name=_("process version"),
    )
    stage = models.CharField(_("stage"), max_length=63)
    status = models.CharField(
        _("status"), max_length=8, choices=DealStatus.choices, default=DealStatus.OPEN
    )
    lost_reason = models.CharField(_("lost reason"), max_length=300, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3)
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    probability = models.DecimalField(_("probability"), max_digits=5, decimal_places=4, default=0)
    source = models.CharField(_("source"), max_length=100, blank=True)
    custom = models.JSONField(_("custom attributes"), default=dict, blank=True)
    stage_entered_at = models.DateTimeField(_("in stage since"))
    created_at = models.DateTimeField(_("created"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["process_version", "status", "stage"]),
            models.Index(fields=["owner", "status"]),
            # Newest first (the default order) and cohorts by creation date: the analytics
            # lists stop after a page instead of sorting every deal.
            models.Index(fields=["created_at", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=1),
                name="deal_probability_0_1",
            ),
            models.CheckConstraint(
                condition=~Q(status=DealStatus.LOST) | ~Q(lost_reason=""),
                name="deal_lost_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=DealStatus.OPEN) | Q(closed_at__isnull=False),
                name="deal_closed_has_date",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
        ]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")

    def __str__(self) -> str:
        return self.title


class DealContact(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="deal_contacts")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="deal_roles")
    role = models.CharField(
        _("buying role"), max_length=20, choices=BuyingRole.choices, default=BuyingRole.OTHER
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deal", "contact"], name="deal_contact_unique")
        ]
        verbose_name = _("deal contact")
        verbose_name_plural = _("deal contacts")

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_role_display()})"


class ActivityType(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("Email")
    DEMO = "demo", _("Demo")
    NOTE = "note", _("Note")
    TASK = "task", _("Task")
    VISIT = "visit", _("Visit")
    MESSAGE = "message", _("Message")


class Activity(models.Model):
    """Something done (a logged call) or to do (an open task) on a deal.

    A task a stage created keeps the stage and the template key that created it, which is what
    the ``task_done`` criterion looks for.
    """

    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, related_name="activities", null=True, blank=True
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="activities", null=True, blank=True
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, related_name="activities", null=True, blank=True
    )
    type = models.CharField(_("type"), max_length=10, choices=ActivityType.choices)
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("owner"),
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=63, blank=True)
    template = models.CharField(_("task template"), max_length=63, blank=True)
    technique = models.CharField(_("technique used"), max_length=63, blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["done", "due_at", "-created_at"]
        indexes = [
            models.Index(fields=["owner", "done", "due_at"]),
            models.Index(fields=["deal", "stage", "template"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(done=False) | Q(done_at__isnull=False), name="activity_done_has_date"
            ),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.subject


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Signed")
    CANCELLED = "cancelled", _("Cancelled")


class DealDocument(models.Model):
    """A document of a deal (a proposal, a contract) with the status gates look at."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="documents")
    kind = models.SlugField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    link = models.URLField(_("link"), blank=True)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["kind", "-updated_at"]
        verbose_name = _("deal document")
        verbose_name_plural = _("deal documents")

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"


class MoveKind(models.TextChoices):
    CREATED = "created", _("Created")
    FORWARD = "forward", _("Forward")
    SKIP = "skip", _("Skip")
    BACK = "back", _("Back")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    REOPEN = "reopen", _("Reopened")


class StageChange(models.Model):
    """One move of a deal: the stay in ``from_stage`` that ended and where the deal went.

    Rows chain: each row's ``from_stage`` and ``from_entered_at`` are the previous row's
    ``to_stage`` and ``changed_at``. ``criteria`` keeps every criterion the gate evaluated
    (met or not) at that moment; ``overridden`` says a manager waived the unmet ones;
    ``qualification`` the qualification answers that held then.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    process_version = models.ForeignKey(ProcessVersion, on_delete=models.PROTECT, related_name="+")
    from_stage = models.CharField(_("from"), max_length=63, blank=True)
    to_stage = models.CharField(_("to"), max_length=63)
    kind = models.CharField(_("kind"), max_length=8, choices=MoveKind.choices)
    from_entered_at = models.DateTimeField(_("entered"), null=True, blank=True)
    changed_at = models.DateTimeField(_("left"))
    duration = models.DurationField(_("time in stage"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    via = models.CharField(_("via"), max_length=12, default="service")
    reason = models.TextField(_("reason"), blank=True)
    overridden = models.BooleanField(_("gate overridden"), default=False)
    criteria = models.JSONField(_("criteria at the move"), default=list, blank=True)
    # The current qualification answers when the deal moved: {"bant": {"budget": "confirmed"}}.
    qualification = models.JSONField(_("qualification at the move"), default=dict, blank=True)

    class Meta:
        ordering = ["deal", "changed_at", "pk"]
        indexes = [models.Index(fields=["deal", "changed_at"])]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage or '∅'} → {self.to_stage}"


class TimelineEvent(models.Model):
    """What happened to a deal, in order, for people to read (and later for webhooks)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=40)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["deal", "at", "pk"]
        indexes = [models.Index(fields=["deal", "at"])]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"


class QualificationAnswer(models.Model):
    """One answer to a qualification question (BANT's budget, say), kept as history.

    Answers are appended, never edited: the newest answer per framework and criterion is the
    deal's current qualification, and older ones show how it was learned along the route.
    ``evidence`` says what the answer rests on (an e-mail, a meeting, a document).
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="qualification_answers")
    framework = models.SlugField(_("framework"), max_length=40, default="bant")
    criterion = models.SlugField(_("criterion"), max_length=40)
    status = models.CharField(
        _("status"),
        max_length=14,
        choices=[
            ("unknown", _("Unknown")),
            ("weak", _("Weak")),
            ("partial", _("Partial")),
            ("confirmed", _("Confirmed")),
            ("disqualifying", _("Disqualifying")),
        ],
    )
    note = models.TextField(_("note"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    stage = models.CharField(_("stage"), max_length=63, blank=True)
    answered_at = models.DateTimeField(_("answered"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["deal", "framework", "criterion", "-answered_at", "-pk"]
        indexes = [models.Index(fields=["deal", "framework", "criterion", "answered_at"])]
        verbose_name = _("qualification answer")
        verbose_name_plural = _("qualification answers")

    def __str__(self) -> str:
        return f"{self.framework}.{self.criterion} = {self.status}"
