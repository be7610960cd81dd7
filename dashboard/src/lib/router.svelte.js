// A small history router under /dashboard/: the control plane answers every deep link with index.html.
export const BASE = '/dashboard';

export const route = $state({ path: current() });

function current() {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '/';
  return path === '' ? '/' : path;
}

export function navigate(path, replace = false) {
  const url = BASE + path;
  if (replace) {
    history.replaceState(null, '', url);
  } else if (location.pathname !== url) {
    history.pushState(null, '', url);
  }
  route.path = path;
}

export function href(path) {
  return BASE + path;
}

window.addEventListener('popstate', () => {
  route.path = current();
});

// Links inside the app move without a page load.
document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[href]');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || link.target || link.hasAttribute('download')) {
    return;
  }
  const url = new URL(link.href, location.href);
  if (url.origin === location.origin && url.pathname.startsWith(BASE + '/')) {
    event.preventDefault();
    navigate(url.pathname.slice(BASE.length) + url.search);
  }
});
