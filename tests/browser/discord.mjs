// Browser journeys of Discord (run by run.mjs, which passes its step/shot/audit helpers), against
// the local Discord peer in demo mode (its guild "Demo Alliance", its roles and demo users): the
// site admin's servers page with the hierarchy warning, a group's Discord tab, and the dashboard
// card through linking, the role arriving, and unlinking.

import { BASE_URL, check, go, until, waitReady } from "./lib.mjs";

const GUILD = "700000000000000001";
const ROLE_MEMBER = "710000000000000001";
const ROLE_ABOVE_BOT = "710000000000000011";

/**
 * @param ctx {step, shot, audit, toast, adminPage, commanderPage, playerPage, groupId, groupName}:
 * the player is a member of the group, which the commander owns.
 */
export async function discordJourneys({
  step,
  shot,
  audit,
  toast,
  adminPage,
  commanderPage,
  playerPage,
  groupId,
  groupName,
}) {
  await step(
    "discord: the site admin registers the demo server, manages roles and sees the hierarchy warning",
    async () => {
      await go(adminPage, "/admin/discord");
      await adminPage.getByRole("heading", { name: "Register a Discord server" }).waitFor();
      await adminPage.getByLabel("Server id").fill(GUILD);
      await adminPage.getByRole("button", { name: "Register server" }).click();
      await toast(adminPage, "Demo Alliance registered").waitFor();
      const guild = adminPage.getByTestId(`guild-${GUILD}`);
      await guild.waitFor();
      const manage = async (roleId, on) => {
        const box = guild.getByTestId(`role-${roleId}`).getByLabel("Managed by the hub");
        if ((await box.isChecked()) !== on) {
          await box.click();
          await toast(adminPage, "Demo Alliance saved").first().waitFor();
        }
        await until(async () => (await box.isChecked()) === on, `role ${roleId} managed=${on}`);
      };
      await manage(ROLE_MEMBER, true);
      await manage(ROLE_ABOVE_BOT, true);
      // "Server Admin" sits above the bot's own role: the page says the bot cannot give it.
      await guild.getByText("The bot cannot give some managed roles").waitFor();
      await guild.getByTestId(`role-${ROLE_ABOVE_BOT}`).getByText("The bot cannot give Server Admin").waitFor();
      await audit(adminPage, "admin: discord");
      await shot(adminPage, "40-admin-discord-hierarchy");
      await manage(ROLE_ABOVE_BOT, false);
      await guild.getByText("The bot cannot give some managed roles").waitFor({ state: "detached" });
      const groups = guild.getByLabel("Group owners may attach roles");
      if (!(await groups.isChecked())) {
        await groups.click();
        await toast(adminPage, "Demo Alliance saved").first().waitFor();
      }
    },
  );

  await step("discord: the group owner attaches the Member role on the group's Discord tab", async () => {
    await go(commanderPage, `/groups/${groupId}/manage/discord`);
    const card = commanderPage.getByTestId(`group-guild-${GUILD}`);
    await card.waitFor();
    await card.getByText("No roles attached yet.").waitFor();
    await card.getByLabel("Role", { exact: true }).selectOption({ label: "Member" });
    await card.getByRole("button", { name: "Attach role" }).click();
    await toast(commanderPage, "Member attached").waitFor();
    await card.getByRole("list", { name: "Attached roles in Demo Alliance" }).getByText(`Group ${groupName}`).waitFor();
    await audit(commanderPage, "group admin: discord");
    await shot(commanderPage, "41-manage-discord");
  });

  await step("discord: the player links Discord from the dashboard; the server and role arrive", async () => {
    await go(playerPage, "/");
    const link = playerPage.getByRole("link", { name: "Link Discord" });
    await link.waitFor();
    await audit(playerPage, "dashboard: discord not linked");
    await link.click();
    // The local Discord's authorize page: choose who you are.
    await playerPage.getByRole("heading", { name: "Authorize the hub" }).waitFor();
    await Promise.all([
      playerPage.waitForURL((url) => url.origin === BASE_URL && !url.pathname.startsWith("/api/"), { timeout: 30_000 }),
      playerPage.getByRole("link", { name: "Demo Wingmate", exact: true }).click(),
    ]);
    await waitReady(playerPage);
    const account = playerPage.getByTestId("discord-account");
    await account.getByText("Demo Wingmate").waitFor();
    const guild = playerPage.getByTestId(`discord-guild-${GUILD}`);
    // The sync runs as the link completes; "Sync now" shows its outcome without waiting.
    await playerPage.getByRole("button", { name: "Sync now" }).click();
    await toast(playerPage, "Discord is up to date").waitFor();
    await guild.getByText("In the server").waitFor();
    await guild.getByLabel("Roles from the hub in Demo Alliance").getByText("Member").waitFor();
    await audit(playerPage, "dashboard: discord linked");
    await shot(playerPage, "42-dashboard-discord");
  });

  await step("discord: the player unlinks Discord (with confirmation)", async () => {
    await playerPage.getByRole("button", { name: "Unlink Discord" }).click();
    const dialog = playerPage.getByRole("dialog", { name: "Unlink Discord?" });
    await dialog.getByRole("button", { name: "Unlink Discord" }).click();
    await toast(playerPage, "Discord was unlinked").waitFor();
    await playerPage.getByRole("link", { name: "Link Discord" }).waitFor();
    check((await playerPage.getByTestId("discord-account").count()) === 0, "the account is still shown");
  });
}
