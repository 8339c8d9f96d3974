// Shows who is signed in, with a sign-out button, in the page's #user bar; a sign-in link when
// nobody is. Reads authfront's /_authfront/userinfo (same site, the session cookie stays
// HttpOnly). A same-origin file, so a site CSP of script-src 'self' allows it.
(function () {
  'use strict';
  var bar = document.getElementById('user');
  if (!bar) return;
  var here = location.pathname + location.search;
  function show(text, href, label, id) {
    bar.textContent = '';
    var who = document.createElement('span');
    who.id = 'user-name';
    who.textContent = text;
    var a = document.createElement('a');
    a.id = id;
    a.className = 'button';
    a.href = href;
    a.textContent = label;
    bar.appendChild(who);
    bar.appendChild(a);
  }
  fetch('/_authfront/userinfo', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then(function (r) {
      if (r.status === 401) {
        show('Not signed in', '/_authfront/login?rd=' + encodeURIComponent(here), 'Sign in', 'sign-in');
        return;
      }
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json().then(function (u) {
        var name = u.name || u.email || u.sub;
        var extra = u.email && u.email !== name ? ' (' + u.email + ')' : '';
        var groups = u.groups && u.groups.length ? ' · groups: ' + u.groups.join(', ') : '';
        show('Signed in as ' + name + extra + groups, '/_authfront/signout', 'Sign out', 'sign-out');
      });
    })
    .catch(function () {
      show('Could not tell who is signed in', '/_authfront/signout', 'Sign out', 'sign-out');
    });
})();
