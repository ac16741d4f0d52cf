// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Forms marked data-once: a second tap on a slow phone must not register a second ticket.
  // Buttons are disabled after the submission has been built, so their values still go along.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          button.disabled = true;
        });
      }, 0);
    });
  });

  // Photo inputs: say at once when more photos were chosen than the service accepts.
  document.querySelectorAll("input[type=file][multiple]").forEach(function (input) {
    var limit = parseInt(input.dataset.maxFiles || "6", 10);
    input.addEventListener("change", function () {
      var tooMany = input.files.length > limit;
      input.setCustomValidity(tooMany ? "最多上传 " + limit + " 张图片 (at most " + limit + " images)" : "");
      if (tooMany) { input.reportValidity(); }
    });
  });

  // "Use my location" fills the hidden latitude/longitude fields of the intake form.
  var locate = document.querySelector("[data-locate]");
  if (locate && "geolocation" in navigator) {
    var button = locate.querySelector("[data-locate-button]");
    var status = locate.querySelector("[data-locate-status]");
    var form = locate.closest("form");
    locate.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "正在定位… (locating)";
      navigator.geolocation.getCurrentPosition(function (position) {
        form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
        form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
        status.textContent = "已记录位置 (location recorded)";
      }, function () {
        status.textContent = "无法获取位置，请填写地址 (location unavailable)";
      }, { timeout: 10000 });
    });
  }
})();
