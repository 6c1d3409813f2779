// The guard is used by every feature that calls a URL someone typed (and by Program.cs, which gets exactly one line for it).
global using KaMeng.Web.Features.Outbound;
