// Flow 2: the firm's staff; owners and admins invite colleagues with a role, change roles and
// let members see chosen clients (a member sees only those, everywhere).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { identity } from "../api/client";
import { must } from "../api/problem";
import type { components } from "../api/schema/identity";
import { ErrorText, Loading } from "../components/Status";
import { useScope } from "./clients";
import { SelectField, TextField } from "./fields";
import { administers, type Role, useRole } from "./role";

type StaffUser = components["schemas"]["StaffOut"];
const ROLES: Role[] = ["owner", "admin", "member"];

export function Staff() {
  const { t } = useTranslation();
  const scope = useScope();
  const role = useRole();
  const list = useQuery({
    queryKey: ["firm-staff", scope],
    queryFn: async () => must(await identity.GET("/api/v1/staff")).items,
  });
  return (
    <>
      <h1>{t("firm.staff.title")}</h1>
      {list.isPending ? (
        <Loading />
      ) : list.error ? (
        <ErrorText error={list.error} />
      ) : (
        <ul className="list">
          {list.data.map((user) => (
            <li key={user.id}>
              <strong>{user.name}</strong>
              <span className="muted">
                {user.email} · {t(`firm.staffRole.${user.role}`)} ·{" "}
                {t(user.registered ? "firm.staff.registered" : "firm.staff.invited")}
                {!user.active && ` · ${t("firm.staff.inactive")}`}
              </span>
              {administers(role) && user.active && <StaffControls user={user} />}
            </li>
          ))}
        </ul>
      )}
      {administers(role) && <Invite />}
    </>
  );
}

function StaffControls({ user }: { user: StaffUser }) {
  const { t } = useTranslation();
  const scope = useScope();
  const queries = useQueryClient();
  const path = { params: { path: { staff_id: user.id } } };
  const changeRole = useMutation({
    mutationFn: async (role: Role) =>
      must(await identity.PATCH("/api/v1/staff/{staff_id}", { ...path, body: { role } })),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["firm-staff", scope] }),
  });
  return (
    <div>
      <SelectField
        label={t("firm.staff.roleOf", { name: user.name })}
        value={user.role as Role}
        onChange={(role) => changeRole.mutate(role)}
      >
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {t(`firm.staffRole.${r}`)}
          </option>
        ))}
      </SelectField>
      <ErrorText error={changeRole.error} />
      {user.role === "member" && <Assignments user={user} />}
    </div>
  );
}

function Assignments({ user }: { user: StaffUser }) {
  const { t } = useTranslation();
  const scope = useScope();
  const [clientId, setClientId] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const clients = useQuery({
    queryKey: ["firm-clients", scope, "", false, 0],
    queryFn: async () =>
      must(await identity.GET("/api/v1/clients", { params: { query: { limit: 200 } } })),
  });
  const assigned = useQuery({
    queryKey: ["firm-assigned", scope, user.id],
    queryFn: async () =>
      must(
        await identity.GET("/api/v1/staff/{staff_id}/clients", {
          params: { path: { staff_id: user.id } },
        }),
      ).clients,
  });
  const change = useMutation({
    mutationFn: async (assign: boolean) => {
      const path = { params: { path: { staff_id: user.id, client_id: clientId } } };
      must(
        assign
          ? await identity.PUT("/api/v1/staff/{staff_id}/clients/{client_id}", path)
          : await identity.DELETE("/api/v1/staff/{staff_id}/clients/{client_id}", path),
      );
      return assign;
    },
    onSuccess: (assign) => {
      setDone(assign ? "firm.staff.assigned" : "firm.staff.unassigned");
      void assigned.refetch();
    },
  });
  const name = clients.data?.items.find((c) => c.id === clientId)?.name ?? "";
  const sees = (assigned.data ?? []).map((c) => c.name).join(", ");
  return (
    <div className="row">
      <p className="muted">
        {assigned.data &&
          (sees ? t("firm.staff.sees", { clients: sees }) : t("firm.staff.seesNone"))}
      </p>
      <SelectField
        label={t("firm.staff.clientFor", { name: user.name })}
        value={clientId}
        onChange={(id) => {
          setClientId(id);
          setDone(null);
        }}
      >
        <option value="">—</option>
        {(clients.data?.items ?? []).map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </SelectField>
      <button type="button" disabled={!clientId} onClick={() => change.mutate(true)}>
        {t("firm.staff.assign")}
      </button>
      <button
        type="button"
        className="secondary"
        disabled={!clientId}
        onClick={() => change.mutate(false)}
      >
        {t("firm.staff.unassign")}
      </button>
      <ErrorText error={change.error} />
      <p role="status" className="ok">
        {done ? t(done, { name: user.name, client: name }) : ""}
      </p>
    </div>
  );
}

function Invite() {
  const { t } = useTranslation();
  const scope = useScope();
  const queries = useQueryClient();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const invite = useMutation({
    mutationFn: async () =>
      must(await identity.POST("/api/v1/staff", { body: { name, email, role } })),
    onSuccess: () => {
      setName("");
      setEmail("");
      void queries.invalidateQueries({ queryKey: ["firm-staff", scope] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    invite.mutate();
  }
  return (
    <form onSubmit={submit} className="panel" aria-labelledby="invite-title">
      <h2 id="invite-title">{t("firm.staff.invite")}</h2>
      <TextField label={t("firm.staff.name")} value={name} onChange={setName} required />
      <TextField
        label={t("common.email")}
        type="email"
        value={email}
        onChange={setEmail}
        required
      />
      <SelectField label={t("firm.staff.role")} value={role} onChange={setRole}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {t(`firm.staffRole.${r}`)}
          </option>
        ))}
      </SelectField>
      <ErrorText error={invite.error} />
      <button type="submit" disabled={invite.isPending}>
        {t("firm.staff.send")}
      </button>
      {invite.isSuccess && (
        <p role="status" className="ok">
          {t("firm.staff.sent")}
        </p>
      )}
    </form>
  );
}
