// Document requests on the firm's side (issue 20): a client's requests and a new one (items
// with a due date and the folder each upload goes to, asked of all the client's portal
// contacts or chosen ones); one request with its files to accept or return; and, across the
// firm, what is overdue.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { documents } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatDay } from "../i18n/format";
import { type RequestOut, StatusBadge } from "../pages/Request";
import { type ContactOfClient, fullName, useScope } from "./clients";
import { Check, SelectField, TextField } from "./fields";
import { type Folder, tree } from "./folders";

type ItemDraft = { title: string; description: string; due_date: string; folder_id: string };

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function emptyItem(folders: Folder[]): ItemDraft {
  return { title: "", description: "", due_date: inDays(14), folder_id: folders[0]?.id ?? "" };
}

/** One request in a list: its title, status and items' progress. */
function RequestLine({ request }: { request: RequestOut }) {
  const { t } = useTranslation();
  const live = request.items.filter((i) => i.status !== "cancelled");
  const done = live.filter((i) => i.status === "accepted").length;
  return (
    <li>
      <Link to={`/firm/requests/${request.id}`}>{request.title}</Link>
      <StatusBadge item={{ status: request.status, overdue: live.some((i) => i.overdue) }} />
      <span className="muted">{t("requests.progress", { done, total: live.length })}</span>
    </li>
  );
}

export function ClientRequests(props: {
  clientId: string;
  folders: Folder[];
  contacts: ContactOfClient[];
}) {
  const { t } = useTranslation();
  const scope = useScope();
  const list = useQuery({
    queryKey: ["firm-requests", scope, props.clientId],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/clients/{client_id}/requests", {
          params: { path: { client_id: props.clientId } },
        }),
      ),
  });
  return (
    <section aria-labelledby="requests-title" className="panel">
      <h2 id="requests-title">{t("requests.title")}</h2>
      {list.isPending ? (
        <Loading />
      ) : list.error ? (
        <ErrorText error={list.error} />
      ) : list.data.requests.length === 0 ? (
        <p className="muted">{t("requests.none")}</p>
      ) : (
        <ul className="list">
          {list.data.requests.map((request) => (
            <RequestLine key={request.id} request={request} />
          ))}
        </ul>
      )}
      {props.folders.length > 0 && <NewRequest {...props} />}
    </section>
  );
}

function NewRequest(props: { clientId: string; folders: Folder[]; contacts: ContactOfClient[] }) {
  const { t } = useTranslation();
  const scope = useScope();
  const queries = useQueryClient();
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState("");
  const [message, setMessage] = useState("");
  const [chosen, setChosen] = useState<string[] | null>(null);
  const [items, setItems] = useState<ItemDraft[]>([emptyItem(props.folders)]);
  const portal = props.contacts.filter((c) => c.contact.portal_access);
  const create = useMutation({
    mutationFn: async () =>
      must(
        await documents.POST("/api/v1/clients/{client_id}/requests", {
          params: { path: { client_id: props.clientId } },
          body: { title, message, audience: chosen ?? "all", items },
        }),
      ),
    onSuccess: () => {
      setOpen(false);
      setTitle("");
      setMessage("");
      setItems([emptyItem(props.folders)]);
      void queries.invalidateQueries({ queryKey: ["firm-requests", scope, props.clientId] });
    },
  });
  function change(index: number, part: Partial<ItemDraft>) {
    setItems((all) => all.map((item, n) => (n === index ? { ...item, ...part } : item)));
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  if (!open) {
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        {t("requests.new")}
      </button>
    );
  }
  return (
    <form onSubmit={submit}>
      <fieldset>
        <legend>{t("requests.new")}</legend>
        <TextField label={t("requests.requestTitle")} value={title} onChange={setTitle} required />
        <TextField label={t("requests.message")} value={message} onChange={setMessage} />
        <Check
          label={t("requests.everyone")}
          checked={chosen === null}
          onChange={(all) => setChosen(all ? null : [])}
        />
        {chosen !== null &&
          portal.map((c) => (
            <Check
              key={c.contact_id}
              label={fullName(c.contact)}
              checked={chosen.includes(c.contact_id)}
              onChange={(on) =>
                setChosen(
                  on ? [...chosen, c.contact_id] : chosen.filter((id) => id !== c.contact_id),
                )
              }
            />
          ))}
      </fieldset>
      {items.map((item, index) => (
        <ItemFields
          // biome-ignore lint/suspicious/noArrayIndexKey: drafts have no id; rows are only appended
          key={index}
          number={index + 1}
          item={item}
          folders={props.folders}
          onChange={(part) => change(index, part)}
        />
      ))}
      <button
        type="button"
        className="secondary"
        onClick={() => setItems([...items, emptyItem(props.folders)])}
      >
        {t("requests.addItem")}
      </button>
      <ErrorText error={create.error} />
      <button type="submit">{t("requests.send")}</button>
    </form>
  );
}

function ItemFields(props: {
  number: number;
  item: ItemDraft;
  folders: Folder[];
  onChange: (part: Partial<ItemDraft>) => void;
}) {
  const { t } = useTranslation();
  const { item, onChange } = props;
  return (
    <fieldset>
      <legend>{t("requests.itemNumber", { number: props.number })}</legend>
      <TextField
        label={t("requests.itemTitle")}
        value={item.title}
        onChange={(title) => onChange({ title })}
        required
      />
      <TextField
        label={t("requests.description")}
        value={item.description}
        onChange={(description) => onChange({ description })}
      />
      <TextField
        label={t("requests.dueDate")}
        type="date"
        value={item.due_date}
        onChange={(due_date) => onChange({ due_date })}
        required
      />
      <SelectField
        label={t("requests.folder")}
        value={item.folder_id}
        onChange={(folder_id) => onChange({ folder_id })}
      >
        {tree(props.folders).map(({ folder, depth }) => (
          <option key={folder.id} value={folder.id}>
            {`${"– ".repeat(depth)}${folder.name}`}
          </option>
        ))}
      </SelectField>
    </fieldset>
  );
}

/** Across the firm (a member: their clients), requests with an item past its due date. */
export function RequestsOverdue() {
  const { t } = useTranslation();
  const scope = useScope();
  const list = useQuery({
    queryKey: ["firm-requests", scope, "overdue"],
    queryFn: async () =>
      must(await documents.GET("/api/v1/requests", { params: { query: { overdue: true } } })),
  });
  if (list.isPending) return <Loading />;
  if (list.error) return <ErrorText error={list.error} />;
  if (list.data.requests.length === 0) return <p className="muted">{t("requests.noneOverdue")}</p>;
  return (
    <ul className="list">
      {list.data.requests.map((request) => (
        <RequestLine key={request.id} request={request} />
      ))}
    </ul>
  );
}

export function FirmRequest() {
  const { t } = useTranslation();
  const { requestId = "" } = useParams();
  const scope = useScope();
  const queries = useQueryClient();
  const key = ["firm-request", scope, requestId];
  const request = useQuery({
    queryKey: key,
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/requests/{request_id}", {
          params: { path: { request_id: requestId } },
        }),
      ),
  });
  const end = useMutation({
    mutationFn: async (how: "close" | "cancel") => {
      const path = { params: { path: { request_id: requestId } } };
      return must(
        how === "close"
          ? await documents.POST("/api/v1/requests/{request_id}/close", path)
          : await documents.POST("/api/v1/requests/{request_id}/cancel", path),
      );
    },
    onSuccess: (data) => queries.setQueryData(key, data),
  });
  if (request.isPending) return <Loading />;
  if (request.error) return <ErrorText error={request.error} />;
  const open = request.data.closed_at === null && request.data.status !== "cancelled";
  return (
    <>
      <p>
        <Link to={`/firm/clients/${request.data.client_id}`}>{t("requests.toClient")}</Link>
      </p>
      <h1>{request.data.title}</h1>
      <p>
        <StatusBadge item={request.data} />
      </p>
      {request.data.message && <p>{request.data.message}</p>}
      <section aria-labelledby="firm-items-title" className="panel">
        <h2 id="firm-items-title">{t("requests.items")}</h2>
        <ul className="list">
          {request.data.items.map((item) => (
            <FirmItem
              key={item.id}
              request={request.data}
              item={item}
              onChange={(data) => queries.setQueryData(key, data)}
            />
          ))}
        </ul>
      </section>
      {open && (
        <p>
          <button type="button" onClick={() => end.mutate("close")}>
            {t("requests.close")}
          </button>{" "}
          <button type="button" className="secondary" onClick={() => end.mutate("cancel")}>
            {t("requests.cancel")}
          </button>
        </p>
      )}
      <ErrorText error={end.error} />
    </>
  );
}

type Move = "accept" | "return" | "remove";

function FirmItem(props: {
  request: RequestOut;
  item: RequestOut["items"][number];
  onChange: (data: RequestOut) => void;
}) {
  const { t, i18n } = useTranslation();
  const { request, item } = props;
  const [reason, setReason] = useState("");
  const path = { params: { path: { request_id: request.id, item_id: item.id } } };
  const move = useMutation({
    mutationFn: async (how: Move) => {
      if (how === "accept") {
        return must(
          await documents.POST("/api/v1/requests/{request_id}/items/{item_id}/accept", path),
        );
      }
      if (how === "return") {
        const body = { reason };
        return must(
          await documents.POST("/api/v1/requests/{request_id}/items/{item_id}/return", {
            ...path,
            body,
          }),
        );
      }
      return must(await documents.DELETE("/api/v1/requests/{request_id}/items/{item_id}", path));
    },
    onSuccess: (data) => {
      setReason("");
      props.onChange(data);
    },
  });
  const open = request.closed_at === null;
  return (
    <li>
      <strong>{item.title}</strong>
      <StatusBadge item={item} />
      <span className="muted">
        {t("requests.due", { date: formatDay(item.due_date, i18n.language) })}
      </span>
      {item.description && <span>{item.description}</span>}
      {item.status === "returned" && (
        <span>{t("requests.returnedBecause", { reason: item.return_reason })}</span>
      )}
      {item.files.map((file) => (
        <Link key={file.version_id} to={`/firm/documents/${file.document_id}`}>
          {file.name}
        </Link>
      ))}
      {open && item.status === "submitted" && (
        <>
          <button type="button" onClick={() => move.mutate("accept")}>
            {t("requests.accept")}
          </button>
          <TextField label={t("requests.reason")} value={reason} onChange={setReason} />
          <button type="button" className="secondary" onClick={() => move.mutate("return")}>
            {t("requests.return")}
          </button>
        </>
      )}
      {open && ["open", "submitted", "returned"].includes(item.status) && (
        <button type="button" className="secondary" onClick={() => move.mutate("remove")}>
          {t("requests.remove")}
        </button>
      )}
      <ErrorText error={move.error} />
    </li>
  );
}
