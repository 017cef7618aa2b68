/**
 * A button that asks before it acts: a dialog spelling out the consequences, then the action; the
 * API's error, if any, is shown in the dialog, which stays open.
 */
import { Alert, Button, Modal, Typography } from "antd";
import { useState } from "react";
import { useMessages } from "../i18n";

export function ConfirmAction(props: {
  label: string;
  title: string;
  consequences: string;
  onConfirm: () => Promise<unknown>;
  danger?: boolean;
  disabled?: boolean;
  type?: "primary" | "default";
}) {
  const t = useMessages();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      setOpen(false);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button type={props.type ?? "default"} danger={props.danger} disabled={props.disabled} onClick={() => setOpen(true)}>
        {props.label}
      </Button>
      <Modal
        open={open}
        title={props.title}
        okText={t("confirm")}
        cancelText={t("cancel")}
        okButtonProps={{ danger: props.danger, loading: busy }}
        onOk={() => void confirm()}
        onCancel={() => setOpen(false)}
        destroyOnHidden
      >
        <Typography.Paragraph>{props.consequences}</Typography.Paragraph>
        {error ? <Alert type="error" showIcon title={error} /> : null}
      </Modal>
    </>
  );
}
