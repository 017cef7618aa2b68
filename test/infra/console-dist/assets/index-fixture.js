document.getElementById("root").textContent = "console fixture for infra tests";
