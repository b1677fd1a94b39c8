// The composer's state: the draft as the core last saved it, the form of each
// step, and the core's live answers (text check, audience count, senders,
// review). Every step is saved when the person leaves it; the audience is also
// saved (after a pause in typing) whenever it changes, because the count is the
// core's count of the draft as saved.
import type { AppError, Backend } from "../../lib/api";
import type { AudienceCount, CsvChoice, DraftUpdate, DraftView, Review, SenderView, StartReport, TemplateCheck } from "../../lib/api.campaigns";
import type { CsvPreview } from "../../lib/bindings";
import {
  accountProblems,
  audienceForm,
  audienceProblems,
  audienceUpdate,
  messageForm,
  messageProblems,
  messageUpdate,
  scheduleForm,
  scheduleProblems,
  scheduleUpdate,
  STEPS,
  type AudienceForm,
  type MessageForm,
  type ScheduleForm,
  type StepId,
} from "./composer-rules";

export const CHECK_DEBOUNCE_MS = 200;
export const COUNT_DEBOUNCE_MS = 400;

export class Composer {
  draft = $state<DraftView | null>(null);
  loadError = $state<AppError | null>(null);
  saveError = $state<AppError | null>(null);
  saving = $state(false);
  step = $state<StepId>("message");

  name = $state("");
  message = $state<MessageForm>({ text: "", link: "", media: { kind: "none" }, mediaInfo: null });
  audience = $state<AudienceForm>({ groups: [], filters: [], contacts: "", defaultCountry: "IN", csv: { kind: "keep" } });
  accounts = $state<number[]>([]);
  schedule = $state<ScheduleForm>({ when: "now", date: "", time: "", timeZone: "UTC", quiet: false, quietStart: "21:00", quietEnd: "09:00", days: [] });

  check = $state<TemplateCheck | null>(null);
  mediaError = $state<AppError | null>(null);
  count = $state<AudienceCount | null>(null);
  counting = $state(false);
  countError = $state<AppError | null>(null);
  csvPreview = $state<{ path: string; preview: CsvPreview } | null>(null);
  csvError = $state<AppError | null>(null);
  senders = $state<SenderView[] | null>(null);
  sendersError = $state<AppError | null>(null);
  review = $state<Review | null>(null);
  reviewError = $state<AppError | null>(null);
  starting = $state(false);
  startError = $state<AppError | null>(null);

  private checkTimer: ReturnType<typeof setTimeout> | undefined;
  private countTimer: ReturnType<typeof setTimeout> | undefined;
  private checkGeneration = 0;
  private countGeneration = 0;

  constructor(
    private readonly backend: Backend,
    readonly id: number,
  ) {}

  get api() {
    return this.backend.campaigns;
  }

  /** The CSV's columns, which the text may use as variables. */
  get csvHeaders(): string[] {
    return this.draft?.campaign.audience.csv?.headers ?? [];
  }

  problems(step: StepId): string[] {
    switch (step) {
      case "message":
        return messageProblems(this.message, this.check);
      case "audience":
        return audienceProblems(this.audience, this.count, !!this.draft?.campaign.audience.csv);
      case "accounts":
        return this.senders ? accountProblems(this.accounts, this.senders) : [];
      case "schedule":
        return scheduleProblems(this.schedule);
      case "review":
        return STEPS.filter((s) => s.id !== "review").flatMap((s) => this.problems(s.id));
    }
  }

  async load(): Promise<void> {
    const result = await this.api.openDraft(this.id);
    if (result.status === "error") {
      this.loadError = result.error;
      return;
    }
    this.adopt(result.data, true);
    void this.checkNow();
    void this.countNow(false);
    void this.loadSenders();
  }

  stop(): void {
    clearTimeout(this.checkTimer);
    clearTimeout(this.countTimer);
  }

  /** The core's view of the draft; `forms`: fill every form from it (on open). */
  private adopt(d: DraftView, forms: boolean): void {
    this.draft = d;
    if (!forms) return;
    this.name = d.campaign.name;
    this.message = messageForm(d);
    this.audience = audienceForm(d);
    this.accounts = [...d.campaign.accounts];
    this.schedule = scheduleForm(d);
  }

  private async save(update: DraftUpdate): Promise<boolean> {
    this.saving = true;
    const result = await this.api.saveDraft(this.id, update);
    this.saving = false;
    if (result.status === "error") {
      this.saveError = result.error;
      return false;
    }
    this.saveError = null;
    this.adopt(result.data, false);
    return true;
  }

  /** Saves what `step` holds. */
  async saveStep(step: StepId): Promise<boolean> {
    switch (step) {
      case "message": {
        const ok = await this.save({ name: this.name.trim() || null, message: messageUpdate(this.message) });
        // The file is stored now: later saves keep it instead of reading it again.
        if (ok && this.message.media.kind === "file") this.message = { ...this.message, media: { kind: "keep" }, mediaInfo: this.draft?.media ?? this.message.mediaInfo };
        return ok;
      }
      case "audience":
        return this.countNow(true);
      case "accounts":
        return this.save({ accounts: [...this.accounts] });
      case "schedule":
        return this.save({ schedule: scheduleUpdate(this.schedule) });
      case "review":
        return true;
    }
  }

  /**
   * Saves the step on screen (a draft keeps whatever was typed, problems and all),
   * then moves to `to`. Forward only when the step has no problem: those are
   * returned (empty: moved, or the save was refused and `saveError` says why).
   */
  async goTo(to: StepId): Promise<string[]> {
    const from = this.step;
    if (from === to) return [];
    // The check and the count answer for what is on screen now, not for a moment ago.
    if (from === "message") await this.checkNow();
    const forward = STEPS.findIndex((s) => s.id === to) > STEPS.findIndex((s) => s.id === from);
    // A refused save (`saveError` says why) keeps the step going forward; going back, the
    // form keeps what was typed until that step is left again.
    const saved = await this.saveStep(from);
    const problems = forward ? this.problems(from) : [];
    if (forward && (!saved || problems.length)) return problems;
    this.step = to;
    if (to === "review") void this.loadReview();
    if (to === "accounts") void this.loadSenders();
    return [];
  }

  // ---- message ---------------------------------------------------------------------------

  textChanged(): void {
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => void this.checkNow(), CHECK_DEBOUNCE_MS);
  }

  async checkNow(): Promise<void> {
    clearTimeout(this.checkTimer);
    const generation = ++this.checkGeneration;
    const result = await this.api.checkText(this.message.text, this.csvHeaders);
    if (generation !== this.checkGeneration) return;
    this.check = result.status === "ok" ? result.data : null;
  }

  async chooseMedia(): Promise<void> {
    this.mediaError = null;
    const chosen = await this.api.chooseMediaFile();
    if (chosen.status === "error") {
      this.mediaError = chosen.error;
      return;
    }
    if (chosen.data === null) return;
    const info = await this.api.inspectMedia(chosen.data);
    if (info.status === "error") {
      this.mediaError = info.error;
      return;
    }
    this.message = { ...this.message, media: { kind: "file", path: chosen.data }, mediaInfo: info.data };
  }

  removeMedia(): void {
    this.mediaError = null;
    this.message = { ...this.message, media: { kind: "none" }, mediaInfo: null };
  }

  // ---- audience --------------------------------------------------------------------------

  audienceChanged(): void {
    clearTimeout(this.countTimer);
    this.countTimer = setTimeout(() => void this.countNow(true), COUNT_DEBOUNCE_MS);
  }

  /** Saves the audience (when `save`) and asks the core for its count; false when the save failed. */
  async countNow(save: boolean): Promise<boolean> {
    clearTimeout(this.countTimer);
    const generation = ++this.countGeneration;
    this.counting = true;
    if (save) {
      const update = audienceUpdate(this.audience);
      // A chosen CSV is imported by this save: later saves keep it.
      if (this.audience.csv.kind === "file") this.audience = { ...this.audience, csv: { kind: "keep" } };
      if (!(await this.save({ audience: update }))) {
        if (generation === this.countGeneration) this.counting = false;
        return false;
      }
      if (update.csv.kind === "file") void this.checkNow();
    }
    const result = await this.api.audienceCount(this.id);
    if (generation !== this.countGeneration) return true;
    this.counting = false;
    if (result.status === "ok") {
      this.count = result.data;
      this.countError = null;
    } else this.countError = result.error;
    return true;
  }

  async chooseCsv(): Promise<void> {
    this.csvError = null;
    const chosen = await this.api.chooseCsvFile();
    if (chosen.status === "error") {
      this.csvError = chosen.error;
      return;
    }
    if (chosen.data === null) return;
    const preview = await this.api.previewCsvFile(chosen.data);
    if (preview.status === "error") this.csvError = preview.error;
    else this.csvPreview = { path: chosen.data, preview: preview.data };
  }

  /** Imports the previewed CSV into the draft (its people become contacts, its columns variables). */
  useCsv(): void {
    if (!this.csvPreview) return;
    const csv: CsvChoice = {
      kind: "file",
      input: { path: this.csvPreview.path, defaultCountry: this.audience.defaultCountry || "IN", mapping: this.csvPreview.preview.mapping },
    };
    this.audience = { ...this.audience, csv };
    this.csvPreview = null;
    void this.countNow(true);
  }

  removeCsv(): void {
    this.audience = { ...this.audience, csv: { kind: "none" } };
    void this.countNow(true);
  }

  // ---- accounts, review, start -----------------------------------------------------------

  async loadSenders(): Promise<void> {
    const result = await this.api.senders();
    if (result.status === "ok") {
      this.senders = result.data;
      this.sendersError = null;
    } else this.sendersError = result.error;
  }

  async loadReview(): Promise<void> {
    this.review = null;
    this.reviewError = null;
    const result = await this.api.review(this.id);
    if (result.status === "ok") this.review = result.data;
    else this.reviewError = result.error;
  }

  async start(): Promise<StartReport | null> {
    this.starting = true;
    this.startError = null;
    const result = await this.api.start(this.id);
    this.starting = false;
    if (result.status === "error") {
      this.startError = result.error;
      return null;
    }
    return result.data;
  }
}
