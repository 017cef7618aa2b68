/**
 * Pieces the merchant portal and the reviewer queue share: a payable's status, a programme's kind,
 * an API refusal shown where it belongs, evidence uploaded from the browser and evidence shown
 * inline (images rendered from their presigned GETs, PDFs as links).
 */
import { Alert, Button, ConfigProvider, Form, type FormInstance, Image, Space, Tag, Typography, Upload, type UploadFile } from "antd";
import { type CSSProperties, type ReactNode, useState } from "react";
import { ATTACHMENT_CONTENT_TYPES, type AttachmentContentType, MAX_ATTACHMENT_BYTES } from "../../../shared/domain/attachment.js";
import { ApiError, api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { type MessageKey, useMessages } from "../i18n";
import { type FieldError, fieldErrorsOf } from "../programme-errors";

export type PayableStatus = components["schemas"]["Application"]["status"];
export type ProgrammeKind = components["schemas"]["Programme"]["kind"];
type AttachmentDownload = components["schemas"]["AttachmentDownload"];

/** Dark text on a light ground for each status: WCAG AA (antd's preset tag colours are not, for green and blue). */
const STATUS_STYLES: Record<PayableStatus, CSSProperties> = {
  SUBMITTED: { color: "#003eb3", background: "#e6f4ff", borderColor: "#91caff" },
  CHANGES_REQUESTED: { color: "#873800", background: "#fff7e6", borderColor: "#ffd591" },
  REJECTED: { color: "rgba(0, 0, 0, 0.88)", background: "#fafafa", borderColor: "#d9d9d9" },
  APPROVED: { color: "#10239e", background: "#f0f5ff", borderColor: "#adc6ff" },
  PAID: { color: "#135200", background: "#f6ffed", borderColor: "#b7eb8f" },
  FAILED: { color: "#820014", background: "#fff1f0", borderColor: "#ffa39e" },
};

export function StatusTag(props: { status: PayableStatus }) {
  const t = useMessages();
  return (
    <Tag style={STATUS_STYLES[props.status]} data-status={props.status}>
      {t(`status_${props.status}` as MessageKey)}
    </Tag>
  );
}

/**
 * Links in the console's primary blue (antd derives them from its lighter info blue, 3.9:1 on
 * white), and a darker red for danger buttons and errors (antd's is 3.3:1).
 */
const LINKS = { token: { colorLink: "#0958d9", colorLinkHover: "#003eb3", colorError: "#cf1322" } };

/** The portal's and reviewer queue's screens: their links and warnings readable (WCAG AA). */
export function ProgrammesTheme(props: { children: ReactNode }) {
  return <ConfigProvider theme={LINKS}>{props.children}</ConfigProvider>;
}

/** A table's "nothing here" in readable grey (antd's is 25 % black). */
export function EmptyText(props: { children: ReactNode }) {
  return <span style={{ color: "rgba(0, 0, 0, 0.65)" }}>{props.children}</span>;
}

export function kindKey(kind: ProgrammeKind): MessageKey {
  return `kind_${kind}` as MessageKey;
}

/** Any thrown value as the API's refusal (code and message), so it can be placed on a form. */
export function refusalOf(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, "CLIENT", error instanceof Error ? error.message : String(error));
}

/**
 * Puts a refusal on the form fields it concerns (those in `fields`, as "a.b" paths) and returns
 * what concerns none of them, to show above the form.
 */
export function placeRefusal(form: FormInstance, error: unknown, fields: readonly string[], rename: Record<string, string> = {}): FieldError[] {
  const refusal = refusalOf(error);
  // `rename`: the API's path of a field the form names otherwise ("period.from" → "from").
  const errors = fieldErrorsOf(refusal).map((e) => {
    const renamed = rename[e.name.join(".")];
    return renamed ? { ...e, name: renamed.split(".") } : e;
  });
  const placed = errors.filter((e) => fields.includes(e.name.join(".")));
  form.setFields(placed.map((e) => ({ name: e.name, errors: [e.message] })));
  return errors.filter((e) => !placed.includes(e));
}

/** The refusals that concern no field, above a form or an action; budget and exclusivity named plainly. */
export function RefusalAlert(props: { errors: FieldError[]; code?: string }) {
  const t = useMessages();
  if (props.errors.length === 0) return null;
  const title =
    props.code === "PROGRAMME_BUDGET_EXCEEDED" ? t("budgetExceeded") : props.code === "EXCLUSIVE_AWARD" ? t("exclusiveAward") : t("refused");
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      data-code={props.code}
      title={title}
      description={props.errors.map((e) => e.message).join("; ")}
      style={{ marginBottom: 16 }}
    />
  );
}

/** A query that could not load, with the API's own message. */
export function LoadFailed(props: { error: unknown }) {
  const t = useMessages();
  return <Alert type="error" showIcon title={t("loadFailed")} description={refusalOf(props.error).message} />;
}

/** Declares the file (POST /merchant/attachments), then PUTs it to the presigned URL; the attachment's id. */
export async function uploadEvidence(file: File): Promise<string> {
  const contentType = ATTACHMENT_CONTENT_TYPES.find((type) => type === file.type);
  if (!contentType || file.size < 1 || file.size > MAX_ATTACHMENT_BYTES) throw new Error(`${file.name}: ${file.type || "?"}, ${file.size} B`);
  const slot = dataOf(await api.POST("/merchant/attachments", { body: { fileName: file.name, contentType: contentType satisfies AttachmentContentType, size: file.size } }));
  const put = await fetch(slot.uploadUrl, { method: "PUT", headers: { "content-type": contentType }, body: file });
  if (!put.ok) throw new Error(`HTTP ${put.status}`);
  return slot.attachmentId;
}

/** The upload control: `value` is the ids of the files uploaded so far (a controlled antd form input). */
function EvidenceInput(props: { name: string; value?: string[]; onChange?: (ids: string[]) => void }) {
  const t = useMessages();
  const form = Form.useFormInstance();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const sync = (next: UploadFile[]) => {
    setFiles(next);
    props.onChange?.(next.filter((file) => file.status === "done" && typeof file.response === "string").map((file) => file.response as string));
  };
  return (
    <Upload
      accept={ATTACHMENT_CONTENT_TYPES.join(",")}
      fileList={files}
      onChange={({ fileList }) => sync(fileList)}
      beforeUpload={(file) => {
        if (!ATTACHMENT_CONTENT_TYPES.some((type) => type === file.type) || file.size > MAX_ATTACHMENT_BYTES) {
          form.setFields([{ name: props.name, errors: [t("uploadType")] }]);
          return Upload.LIST_IGNORE;
        }
        return true;
      }}
      customRequest={({ file, onSuccess, onError }) => {
        uploadEvidence(file as File).then(
          (id) => onSuccess?.(id),
          (error: unknown) => {
            form.setFields([{ name: props.name, errors: [t("uploadFailed", { reason: refusalOf(error).message })] }]);
            onError?.(error instanceof Error ? error : new Error(String(error)));
          },
        );
      }}
    >
      <Button>{t("uploadEvidence")}</Button>
    </Upload>
  );
}

/**
 * A form field of evidence files: each one chosen is uploaded at once (declared, then PUT from the
 * browser); the field's value is the list of attachment ids uploaded.
 */
export function EvidenceField(props: { name: string; required?: boolean }) {
  const t = useMessages();
  return (
    <Form.Item label={t("evidenceFiles")} required={props.required}>
      <Form.Item name={props.name} noStyle rules={props.required ? [{ required: true, type: "array", min: 1, message: t("required") }] : []}>
        <EvidenceInput name={props.name} />
      </Form.Item>
    </Form.Item>
  );
}

/** Evidence as a reviewer reads it: images inline from their presigned GETs, PDFs (and the rest) as links. */
export function EvidenceInline(props: { downloads: AttachmentDownload[] }) {
  const t = useMessages();
  if (props.downloads.length === 0) return <Typography.Text>{t("noEvidence")}</Typography.Text>;
  return (
    <Space wrap align="start" data-testid="evidence">
      {props.downloads.map((file) =>
        file.contentType.startsWith("image/") ? (
          <figure key={file.attachmentId} style={{ margin: 0 }}>
            <Image src={file.downloadUrl} alt={t("evidenceImage", { name: file.fileName })} width={240} />
            <figcaption>
              <Typography.Link href={file.downloadUrl} target="_blank" rel="noreferrer">
                {file.fileName}
              </Typography.Link>
            </figcaption>
          </figure>
        ) : (
          <Typography.Link key={file.attachmentId} href={file.downloadUrl} target="_blank" rel="noreferrer">
            {file.fileName} ({file.contentType})
          </Typography.Link>
        ),
      )}
    </Space>
  );
}
