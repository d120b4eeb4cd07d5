// A local double of Stripe.js (what https://js.stripe.com serves), for browser tests that must not reach the
// network. It implements what @stripe/react-stripe-js and components/stripe-payment.tsx call: Stripe(key),
// elements({ clientSecret }), create("payment" | "expressCheckout"), mount/on/off/destroy, elements.submit() and
// confirmPayment({ elements, confirmParams: { return_url } }). The PaymentElement is a plain "Card number" input.
// confirmPayment posts to https://api.stripe.com/v1/payment_intents/{id}/confirm (the test routes that to the
// local Stripe API fake) and then, like Stripe.js: on an error answer resolves { error }; on `requires_action`
// follows next_action.redirect_to_url (the bank's page, which comes back to return_url); on success goes to
// return_url with redirect_status=succeeded.

export const STRIPE_JS_DOUBLE = String.raw`
(function () {
  function Stripe(key) {
    var options = null;
    var created = {};
    function makeElement(type) {
      var listeners = {};
      var node = null;
      function fire(ev, payload) {
        (listeners[ev] || []).slice().forEach(function (cb) { cb(payload); });
      }
      return {
        mount: function (target) {
          node = typeof target === "string" ? document.querySelector(target) : target;
          if (type === "payment")
            node.innerHTML = '<label for="stripe-double-card">Card number</label> <input id="stripe-double-card" data-testid="stripe-double-card" autocomplete="off">';
          else if (type === "expressCheckout")
            node.innerHTML = '<button type="button" data-testid="stripe-double-express">Pay with Link</button>';
          setTimeout(function () {
            fire("ready", type === "expressCheckout"
              ? { elementType: type, availablePaymentMethods: { applePay: false, googlePay: false, link: true } }
              : { elementType: type });
          }, 0);
        },
        on: function (ev, cb) { (listeners[ev] = listeners[ev] || []).push(cb); },
        off: function (ev, cb) { listeners[ev] = (listeners[ev] || []).filter(function (x) { return x !== cb; }); },
        update: function () {},
        unmount: function () { if (node) node.innerHTML = ""; },
        destroy: function () { if (node) node.innerHTML = ""; },
      };
    }
    var elements = {
      create: function (type) { return (created[type] = makeElement(type)); },
      getElement: function (type) { return created[type] || null; },
      update: function () {},
      fetchUpdates: function () { return Promise.resolve({}); },
      submit: function () { return Promise.resolve({}); },
    };
    return {
      elements: function (o) { options = o; return elements; },
      createToken: function () {},
      createPaymentMethod: function () {},
      confirmCardPayment: function () {},
      registerAppInfo: function () {},
      _registerWrapper: function () {},
      confirmPayment: function (args) {
        var secret = options.clientSecret;
        var id = secret.split("_secret_")[0];
        var input = document.getElementById("stripe-double-card");
        var card = input ? input.value.replace(/[\s-]/g, "") : "";
        var body = "client_secret=" + encodeURIComponent(secret) + "&card=" + encodeURIComponent(card) + "&key=" + encodeURIComponent(key);
        return fetch("https://api.stripe.com/v1/payment_intents/" + id + "/confirm", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: body,
        })
          .then(function (r) { return r.json(); })
          .then(function (pi) {
            if (pi.error) return { error: pi.error };
            var ret = args.confirmParams.return_url;
            var back = ret + (ret.indexOf("?") < 0 ? "?" : "&") + "payment_intent=" + pi.id +
              "&payment_intent_client_secret=" + encodeURIComponent(secret) + "&redirect_status=";
            if (pi.status === "requires_action") {
              window.location.assign(pi.next_action.redirect_to_url.url + "&return=" + encodeURIComponent(back));
            } else {
              window.location.assign(back + pi.status);
            }
            return new Promise(function () {});
          });
      },
    };
  }
  Stripe.version = "endive";
  window.Stripe = Stripe;
})();
`;
