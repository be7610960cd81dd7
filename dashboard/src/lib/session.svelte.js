// The session token lives in memory, mirrored to sessionStorage (this tab only) so a reload keeps
// the user signed in; it never goes into a URL.
const KEY = 'wrenn.session';

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    return null;
  }
}

const saved = load();

export const session = $state({
  token: saved?.token ?? null,
  teamId: saved?.teamId ?? null,
  me: null,
});

export function save() {
  if (session.token) {
    sessionStorage.setItem(KEY, JSON.stringify({ token: session.token, teamId: session.teamId }));
  } else {
    sessionStorage.removeItem(KEY);
  }
}

export function signedOut() {
  session.token = null;
  session.me = null;
  session.teamId = null;
  save();
}

export function currentTeam() {
  return session.me?.teams.find((t) => t.id === session.teamId) ?? null;
}
