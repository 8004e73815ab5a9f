// Messages between a client and the firm (issue 20): the client's threads with unread counts,
// a new thread, and one thread (messages, files, who has read each; one's own message can be
// edited for 15 minutes and deleted until someone else has read it). The same pages serve
// the firm under /firm, where earlier texts of edited messages show too.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { documents } from "../api/client";
import { must } from "../api/problem";
import type { components } from "../api/schema/documents";
import { session } from "../api/session";
import { ErrorText, Loading } from "../components/Status";
import { formatDate } from "../i18n/format";
import { contextKey, useContext } from "../lib/auth";
import { uploadForThread } from "../lib/upload";
import { uploadErrorKey } from "./Folder";

type ThreadOut = components["schemas"]["ThreadOut"];
type MessageOut = components["schemas"]["MessageOut"];

const EDIT_MINUTES = 15;

/** The client's threads, latest first, each with what this person has not read. */
export function ThreadList({ clientId, base }: { clientId: string; base: string }) {
  const { t, i18n } = useTranslation();
  const key = contextKey(useContext());
  const list = useQuery({
    queryKey: ["threads", key, clientId],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/clients/{client_id}/threads", {
          params: { path: { client_id: clientId } },
        }),
      ),
    enabled: clientId !== "",
  });
  if (list.isPending) return <Loading />;
  if (list.error) return <ErrorText error={list.error} />;
  if (list.data.threads.length === 0) return <p className="muted">{t("threads.none")}</p>;
  return (
    <ul className="list">
      {list.data.threads.map((thread) => (
        <li key={thread.id}>
          <Link to={`${base}/threads/${thread.id}`}>{thread.subject}</Link>
          {thread.unread > 0 && (
            <span className="badge">{t("threads.unread", { count: thread.unread })}</span>
          )}
          <span className="muted">{formatDate(thread.last_message_at, i18n.language)}</span>
        </li>
      ))}
    </ul>
  );
}

/** A new thread: a contact's includes them; staff choose the contacts (`contacts`). */
export function NewThread(props: {
  clientId: string;
  contacts?: { id: string; name: string }[];
  onStarted: (thread: ThreadOut) => void;
}) {
  const { t } = useTranslation();
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const subjectId = useId();
  const bodyId = useId();
  const start = useMutation({
    mutationFn: async () =>
      must(
        await documents.POST("/api/v1/clients/{client_id}/threads", {
          params: { path: { client_id: props.clientId } },
          body: { subject, body, ...(props.contacts ? { contacts: chosen } : {}) },
        }),
      ),
    onSuccess: props.onStarted,
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    start.mutate();
  }
  return (
    <form onSubmit={submit}>
      <fieldset>
        <legend>{t("threads.new")}</legend>
        <div className="field">
          <label htmlFor={subjectId}>{t("threads.subject")}</label>
          <input
            id={subjectId}
            value={subject}
            required
            onChange={(e) => setSubject(e.target.value)}
          />
        </div>
        {props.contacts?.map((c) => (
          <label key={c.id} className="choice">
            <input
              type="checkbox"
              checked={chosen.includes(c.id)}
              onChange={(e) =>
                setChosen(e.target.checked ? [...chosen, c.id] : chosen.filter((x) => x !== c.id))
              }
            />
            {c.name}
          </label>
        ))}
        <div className="field">
          <label htmlFor={bodyId}>{t("threads.message")}</label>
          <textarea id={bodyId} value={body} required onChange={(e) => setBody(e.target.value)} />
        </div>
      </fieldset>
      <ErrorText error={start.error} />
      <button type="submit">{t("threads.start")}</button>
    </form>
  );
}

/** The customer's messages page. */
export function Threads() {
  const { t } = useTranslation();
  const context = useContext();
  const clientId = context?.client_id ?? "";
  const queries = useQueryClient();
  return (
    <>
      <h1>{t("threads.title")}</h1>
      <section aria-labelledby="threads-list" className="panel">
        <h2 id="threads-list">{t("threads.all")}</h2>
        <ThreadList clientId={clientId} base="" />
      </section>
      <section aria-labelledby="threads-new" className="panel">
        <h2 id="threads-new">{t("threads.new")}</h2>
        <NewThread
          clientId={clientId}
          onStarted={() => void queries.invalidateQueries({ queryKey: ["threads"] })}
        />
      </section>
    </>
  );
}

export function Thread({ firm = false }: { firm?: boolean }) {
  const { t } = useTranslation();
  const { threadId = "" } = useParams();
  const key = ["thread", contextKey(useContext()), threadId];
  const queries = useQueryClient();
  const thread = useQuery({
    queryKey: key,
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/threads/{thread_id}", {
          params: { path: { thread_id: threadId } },
        }),
      ),
  });
  const unread = thread.data?.unread ?? 0;
  useEffect(() => {
    if (unread === 0) return;
    void documents
      .POST("/api/v1/threads/{thread_id}/read", { params: { path: { thread_id: threadId } } })
      .then(() => queries.invalidateQueries({ queryKey: ["threads"] }));
  }, [unread, threadId, queries]);
  if (thread.isPending) return <Loading />;
  if (thread.error) return <ErrorText error={thread.error} />;
  const update = (data: ThreadOut) => queries.setQueryData(key, data);
  const refresh = () => void queries.invalidateQueries({ queryKey: key });
  return (
    <>
      <p>
        {firm ? (
          <Link to={`/firm/clients/${thread.data.client_id}`}>{t("requests.toClient")}</Link>
        ) : (
          <Link to="/threads">{t("threads.back")}</Link>
        )}
      </p>
      <h1>{thread.data.subject}</h1>
      <section aria-labelledby="messages-title" className="panel">
        <h2 id="messages-title">{t("threads.messages")}</h2>
        <ul className="list">
          {thread.data.messages.map((message) => (
            <Message
              key={message.id}
              threadId={threadId}
              message={message}
              firm={firm}
              onChange={update}
              onDeleted={refresh}
            />
          ))}
        </ul>
      </section>
      <Reply threadId={threadId} onPosted={update} />
    </>
  );
}

function Message(props: {
  threadId: string;
  message: MessageOut;
  firm: boolean;
  onChange: (data: ThreadOut) => void;
  onDeleted: () => void;
}) {
  const { t, i18n } = useTranslation();
  const { message } = props;
  const mine = message.author_id === session.context()?.person_id;
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(message.body);
  const editId = useId();
  const path = { params: { path: { thread_id: props.threadId, message_id: message.id } } };
  const edit = useMutation({
    mutationFn: async () =>
      must(
        await documents.PATCH("/api/v1/threads/{thread_id}/messages/{message_id}", {
          ...path,
          body: { body: text },
        }),
      ),
    onSuccess: (data) => {
      setEditing(false);
      props.onChange(data);
    },
  });
  const remove = useMutation({
    mutationFn: async () =>
      must(await documents.DELETE("/api/v1/threads/{thread_id}/messages/{message_id}", path)),
    onSuccess: props.onDeleted,
  });
  const editable =
    mine &&
    !message.deleted &&
    Date.now() - new Date(message.created_at).getTime() < EDIT_MINUTES * 60_000;
  const readByOthers = message.read_by.filter((r) => r.reader_id !== message.author_id);
  const who = mine ? t("threads.you") : t(`threads.author.${message.author_kind}`);
  const documentBase = props.firm ? "/firm/documents" : "/documents";
  return (
    <li>
      <strong>{who}</strong>
      <span className="muted">{formatDate(message.created_at, i18n.language)}</span>
      {message.deleted ? (
        <span className="muted">{t("threads.deleted")}</span>
      ) : editing ? (
        <div className="field">
          <label htmlFor={editId}>{t("threads.editText")}</label>
          <textarea id={editId} value={text} onChange={(e) => setText(e.target.value)} />
          <button type="button" onClick={() => edit.mutate()}>
            {t("threads.save")}
          </button>
        </div>
      ) : (
        <span className="message">{message.body}</span>
      )}
      {message.edited_at && !message.deleted && (
        <span className="muted">{t("threads.edited")}</span>
      )}
      {message.previous?.map((p) => (
        <span key={p.replaced_at} className="muted">
          {t("threads.before", { text: p.body })}
        </span>
      ))}
      {message.attachments.map((file) => (
        <Link key={file.version_id} to={`${documentBase}/${file.document_id}`}>
          {file.name}
        </Link>
      ))}
      {readByOthers.length > 0 && (
        <span className="muted">{t("threads.readBy", { count: readByOthers.length })}</span>
      )}
      {editable && !editing && (
        <button type="button" className="secondary" onClick={() => setEditing(true)}>
          {t("threads.edit")}
        </button>
      )}
      {mine && !message.deleted && readByOthers.length === 0 && (
        <button type="button" className="secondary" onClick={() => remove.mutate()}>
          {t("threads.delete")}
        </button>
      )}
      <ErrorText error={edit.error ?? remove.error} />
    </li>
  );
}

function Reply({ threadId, onPosted }: { threadId: string; onPosted: (t: ThreadOut) => void }) {
  const { t } = useTranslation();
  const [body, setBody] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  // A new key empties the file input once the message is sent.
  const [picker, setPicker] = useState(0);
  const [fileError, setFileError] = useState<string | null>(null);
  const bodyId = useId();
  const filesId = useId();
  const post = useMutation({
    mutationFn: async () => {
      setFileError(null);
      const sent: string[] = [];
      for (const file of files) {
        try {
          sent.push((await uploadForThread(threadId, file)).document_id);
        } catch (caught) {
          setFileError(uploadErrorKey(caught));
          throw caught;
        }
      }
      return must(
        await documents.POST("/api/v1/threads/{thread_id}/messages", {
          params: { path: { thread_id: threadId } },
          body: { body, attachments: sent },
        }),
      );
    },
    onSuccess: (data) => {
      setBody("");
      setFiles([]);
      setPicker((n) => n + 1);
      onPosted(data);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    post.mutate();
  }
  return (
    <form onSubmit={submit} className="panel">
      <div className="field">
        <label htmlFor={bodyId}>{t("threads.reply")}</label>
        <textarea id={bodyId} value={body} required onChange={(e) => setBody(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={filesId}>{t("threads.attach")}</label>
        <input
          key={picker}
          id={filesId}
          type="file"
          multiple
          onChange={(e) => setFiles(Array.from(e.target.files ?? []))}
        />
      </div>
      {fileError ? (
        <p className="error" role="alert">
          {t(fileError)}
        </p>
      ) : (
        <ErrorText error={post.error} />
      )}
      <button type="submit" disabled={post.isPending}>
        {t("threads.send")}
      </button>
    </form>
  );
}
