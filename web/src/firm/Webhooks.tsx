// Owners and admins: the firm's webhook endpoints (issue 16). An endpoint's secret is shown
// once, when it is made or rotated; each endpoint has its delivery log with re-send.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { notify } from "../api/client";
import { must } from "../api/problem";
import type { components } from "../api/schema/notify";
import { ErrorText, Loading } from "../components/Status";
import { useScope } from "./clients";
import { Check, TextField } from "./fields";

type Webhook = components["schemas"]["Webhook"];

function useWebhooksKey() {
  return ["firm-webhooks", useScope()];
}

export function Webhooks() {
  const { t } = useTranslation();
  const list = useQuery({
    queryKey: useWebhooksKey(),
    queryFn: async () => must(await notify.GET("/api/v1/webhooks")).items,
  });
  return (
    <>
      <h1>{t("firm.webhooks.title")}</h1>
      {list.isPending ? (
        <Loading />
      ) : list.error ? (
        <ErrorText error={list.error} />
      ) : list.data.length === 0 ? (
        <p className="muted">{t("firm.webhooks.none")}</p>
      ) : (
        <ul className="list">
          {list.data.map((hook) => (
            <Endpoint key={hook.id} hook={hook} />
          ))}
        </ul>
      )}
      <NewEndpoint />
    </>
  );
}

function Secret({ secret }: { secret: string }) {
  const { t } = useTranslation();
  return (
    <p role="status" className="ok">
      {t("firm.webhooks.secretOnce")} <code>{secret}</code>
    </p>
  );
}

function Endpoint({ hook }: { hook: Webhook }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const key = useWebhooksKey();
  const [showLog, setShowLog] = useState(false);
  const path = { params: { path: { webhook_id: hook.id } } };
  const refresh = () => void queries.invalidateQueries({ queryKey: key });
  const toggle = useMutation({
    mutationFn: async () =>
      must(
        await notify.PATCH("/api/v1/webhooks/{webhook_id}", {
          ...path,
          body: { enabled: !hook.enabled },
        }),
      ),
    onSuccess: refresh,
  });
  const rotate = useMutation({
    mutationFn: async () => must(await notify.POST("/api/v1/webhooks/{webhook_id}/secret", path)),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async () => must(await notify.DELETE("/api/v1/webhooks/{webhook_id}", path)),
    onSuccess: refresh,
  });
  const state = hook.enabled
    ? t("firm.webhooks.on")
    : t(`firm.webhooks.off.${hook.disabled_reason ?? "manual"}`);
  return (
    <li>
      <strong>{hook.url}</strong>
      <span className="muted">
        {hook.description && `${hook.description} · `}
        {state} · {t("firm.webhooks.types", { count: hook.event_types.length })}
      </span>
      <div>
        <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
          {t(hook.enabled ? "firm.webhooks.disable" : "firm.webhooks.enable")}
        </button>{" "}
        <button type="button" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
          {t("firm.webhooks.rotate")}
        </button>{" "}
        <button type="button" onClick={() => setShowLog(!showLog)} aria-expanded={showLog}>
          {t("firm.webhooks.log")}
        </button>{" "}
        <button type="button" onClick={() => remove.mutate()} disabled={remove.isPending}>
          {t("firm.webhooks.delete")}
        </button>
      </div>
      {rotate.data && <Secret secret={rotate.data.secret} />}
      <ErrorText error={toggle.error ?? rotate.error ?? remove.error} />
      {showLog && <DeliveryLog hook={hook} />}
    </li>
  );
}

function DeliveryLog({ hook }: { hook: Webhook }) {
  const { t, i18n } = useTranslation();
  const queries = useQueryClient();
  const key = ["firm-webhook-log", hook.id];
  const path = { params: { path: { webhook_id: hook.id } } };
  const log = useQuery({
    queryKey: key,
    queryFn: async () =>
      must(
        await notify.GET("/api/v1/webhooks/{webhook_id}/deliveries", {
          params: { path: { webhook_id: hook.id }, query: { limit: 20 } },
        }),
      ).items,
  });
  const resend = useMutation({
    mutationFn: async (deliveryId: string) =>
      must(
        await notify.POST("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend", {
          params: { path: { ...path.params.path, delivery_id: deliveryId } },
        }),
      ),
    onSuccess: () => void queries.invalidateQueries({ queryKey: key }),
  });
  if (log.isPending) return <Loading />;
  if (log.error) return <ErrorText error={log.error} />;
  if (log.data.length === 0) return <p className="muted">{t("firm.webhooks.noDeliveries")}</p>;
  return (
    <ul className="list">
      {log.data.map((d) => (
        <li key={d.id}>
          <span>
            {new Date(d.created_at).toLocaleString(i18n.language)} · {d.event_type} ·{" "}
            {t(`firm.webhooks.state.${d.state}`)}
            {d.response_status !== null && ` · ${d.response_status}`}
            {d.error && ` · ${d.error}`}
          </span>{" "}
          <button type="button" onClick={() => resend.mutate(d.id)} disabled={resend.isPending}>
            {t("firm.webhooks.resend")}
          </button>
        </li>
      ))}
    </ul>
  );
}

function NewEndpoint() {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const key = useWebhooksKey();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const types = useQuery({
    queryKey: ["webhook-event-types"],
    queryFn: async () => must(await notify.GET("/api/v1/webhooks/event-types")).items,
  });
  const create = useMutation({
    mutationFn: async () =>
      must(
        await notify.POST("/api/v1/webhooks", { body: { url, description, event_types: chosen } }),
      ),
    onSuccess: () => {
      setUrl("");
      setDescription("");
      setChosen([]);
      void queries.invalidateQueries({ queryKey: key });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <form onSubmit={submit}>
      <h2>{t("firm.webhooks.new")}</h2>
      <TextField label={t("firm.webhooks.url")} value={url} onChange={setUrl} type="url" required />
      <TextField
        label={t("firm.webhooks.description")}
        value={description}
        onChange={setDescription}
      />
      <fieldset className="panel">
        <legend>{t("firm.webhooks.events")}</legend>
        {types.data?.map((type) => (
          <Check
            key={type.type}
            label={type.type}
            checked={chosen.includes(type.type)}
            onChange={(on) =>
              setChosen(on ? [...chosen, type.type] : chosen.filter((x) => x !== type.type))
            }
          />
        ))}
      </fieldset>
      <ErrorText error={types.error ?? create.error} />
      <button type="submit" disabled={create.isPending || chosen.length === 0}>
        {t("firm.webhooks.create")}
      </button>
      {create.data && <Secret secret={create.data.secret} />}
    </form>
  );
}
